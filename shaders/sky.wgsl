// Sky dome for Sprawl's viewer: a gradient from the horizon (the fog colour,
// so distant fog melts into it) to the zenith, a sun disc with a glow, and
// a few stars at night. Drawn on the inside of a sphere that follows the
// camera; colours are in the same units as the fog, then tonemapped like
// Bevy's PBR output.

#import bevy_pbr::{
    forward_io::VertexOutput,
    mesh_view_bindings::view,
}
#ifdef TONEMAP_IN_SHADER
#import bevy_core_pipeline::tonemapping::tone_mapping
#endif

struct SkyParams {
    zenith: vec4<f32>,
    horizon: vec4<f32>,
    ground: vec4<f32>,
    sun_color: vec4<f32>,
    // xyz: unit direction towards the sun; w: 0 by day, 1 by night.
    sun_dir: vec4<f32>,
}

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> sky: SkyParams;

fn hash2(p: vec2<f32>) -> f32 {
    var q = fract(vec3<f32>(p.xyx) * 0.1031);
    q += dot(q, q.yzx + 33.33);
    return fract((q.x + q.y) * q.z);
}

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    let dir = normalize(in.world_position.xyz - view.world_position.xyz);
    let h = dir.y;
    var c: vec3<f32>;
    if h >= 0.0 {
        let t = pow(clamp(h, 0.0, 1.0), 0.45);
        c = mix(sky.horizon.rgb, sky.zenith.rgb, t);
    } else {
        c = mix(sky.horizon.rgb, sky.ground.rgb, clamp(-h * 6.0, 0.0, 1.0));
    }
    let s = normalize(sky.sun_dir.xyz);
    let d = max(dot(dir, s), 0.0);
    // Glow around the sun, then the disc itself.
    c += sky.sun_color.rgb * (0.25 * pow(d, 12.0) + 0.35 * pow(d, 200.0));
    c += sky.sun_color.rgb * 6.0 * smoothstep(0.9993, 0.9996, d) * step(-0.02, s.y);
    // Stars.
    let night = sky.sun_dir.w;
    if night > 0.01 && h > 0.05 {
        let g = floor(dir.xz / (h + 0.3) * 300.0);
        let star = step(0.9975, hash2(g)) * night * smoothstep(0.05, 0.3, h);
        c += vec3<f32>(star * 0.6);
    }
    var out = vec4<f32>(c, 1.0);
#ifdef TONEMAP_IN_SHADER
    out = tone_mapping(out, view.color_grading);
#endif
    return out;
}
