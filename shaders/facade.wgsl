// Building façades for Sprawl's viewer: an extension of Bevy's
// StandardMaterial that draws a grid of windows on every wall.
//
// Inputs (from the mesher, crates/sprawl-viewer/src/mesher.rs):
// - uv.x: metres along the wall (uv.y is unused; height comes from the
//   world position so storeys line up across a building's faces);
// - vertex colour: the wall colour in rgb; alpha says which surface it is:
//   1.0 a plain wall (punched windows), 0.6 industrial concrete (a band of
//   small high windows), 0.2 a glass curtain wall (large panes, thin
//   mullions), 0.1 a street lamp's lantern (glows at night), 0.0 a plain
//   surface with no windows (a lamp post).
//
// At night (facade.night → 1) a random share of windows glows warm and the
// lanterns light up. The window grid fades to its average colour where a
// window is smaller than a pixel or two, so distant towers do not shimmer;
// their lit windows become lit blocks of windows about two pixels across.

#import bevy_pbr::{
    pbr_fragment::pbr_input_from_standard_material,
    pbr_functions::alpha_discard,
}

#ifdef PREPASS_PIPELINE
#import bevy_pbr::{
    prepass_io::{VertexOutput, FragmentOutput},
    pbr_deferred_functions::deferred_output,
}
#else
#import bevy_pbr::{
    forward_io::{VertexOutput, FragmentOutput},
    pbr_functions::{apply_pbr_lighting, main_pass_post_lighting_processing},
}
#endif

struct FacadeParams {
    // 0 by day, 1 by night.
    night: f32,
    // Brightness of a lit window (pre-tonemapping, not scaled by exposure).
    glow: f32,
    // Storey height (metres).
    storey: f32,
    // Share of windows lit at full night.
    lit_share: f32,
}

@group(#{MATERIAL_BIND_GROUP}) @binding(100) var<uniform> facade: FacadeParams;

fn hash3(p: vec3<f32>) -> f32 {
    var q = fract(p * vec3<f32>(0.1031, 0.1030, 0.0973));
    q += dot(q, q.yxz + 33.33);
    return fract((q.x + q.y) * q.z);
}

// 1 inside [lo, hi] with a one-pixel soft edge (w = pixel footprint).
fn band(x: f32, lo: f32, hi: f32, w: f32) -> f32 {
    let e = max(w, 1e-4);
    return smoothstep(lo - e, lo + e, x) * (1.0 - smoothstep(hi - e, hi + e, x));
}

@fragment
fn fragment(
    in: VertexOutput,
    @builtin(front_facing) is_front: bool,
) -> FragmentOutput {
    var pbr_input = pbr_input_from_standard_material(in, is_front);

#ifdef VERTEX_COLORS
    let kind = in.color.a;
#else
    let kind = 1.0;
#endif
    let n = normalize(in.world_normal);
    let wall = 1.0 - smoothstep(0.3, 0.6, abs(n.y));
#ifdef VERTEX_UVS_A
    let u = in.uv.x;
#else
    let u = in.world_position.x + in.world_position.z;
#endif
    let y = in.world_position.y;

    // Window layout per façade kind: bay width, window width and height
    // (fractions of the cell), and the sill height within a storey.
    var bay = 2.8;
    var ww = 0.46;
    var wh = 0.5;
    var sill = 0.3;
    var storey = facade.storey;
    let plain = kind < 0.15;
    let lantern = kind > 0.05 && kind < 0.15;
    let glass = kind >= 0.15 && kind < 0.4;
    let concrete = kind > 0.4 && kind < 0.8;
    if glass {
        bay = 1.5;
        ww = 0.92;
        wh = 0.86;
        sill = 0.07;
    } else if concrete {
        bay = 4.5;
        ww = 0.7;
        wh = 0.22;
        sill = 0.68;
        storey = storey * 1.6;
    }
    let cell = vec2<f32>(u / bay, y / storey);
    let id = floor(cell);
    let f = fract(cell);
    let fw = fwidth(cell);
    let win = band(f.x, 0.5 - ww * 0.5, 0.5 + ww * 0.5, fw.x) * band(f.y, sill, sill + wh, fw.y);
    // Where a window is below a pixel or two, use its average coverage.
    let detail = clamp(1.25 - max(fw.x, fw.y) * 3.0, 0.0, 1.0);
    let coverage = mix(ww * wh, win, detail) * wall * select(1.0, 0.0, plain);

    // Which wall this is: distance of its plane from the origin is constant
    // over a planar face and differs between buildings.
    let plane = round(dot(in.world_position.xz, n.xz) * 2.0);
    let r = hash3(vec3<f32>(id.x, id.y, plane));
    let r2 = hash3(vec3<f32>(id.y + 17.0, plane, id.x - 5.0));

    let base = pbr_input.material.base_color.rgb;
    var pane = vec3<f32>(0.035, 0.045, 0.06) + vec3<f32>(0.02, 0.025, 0.03) * r2;
    if glass {
        pane = base * 0.55 + vec3<f32>(0.01, 0.015, 0.02) * r2;
    }
    pbr_input.material.base_color = vec4<f32>(mix(base, pane, coverage), 1.0);
    pbr_input.material.perceptual_roughness = mix(pbr_input.material.perceptual_roughness, 0.12, coverage);
    pbr_input.material.metallic = mix(pbr_input.material.metallic, select(0.0, 0.3, glass), coverage);

    // Lit windows: a random share, warm to cool-white, brighter when detail
    // is averaged so that far towers keep their glow.
    // Offices behind curtain walls stay darker than flats.
    let share = select(facade.lit_share, facade.lit_share * 0.5, glass);
    let lit_here = step(1.0 - share, r);
    // Far away a window is smaller than a pixel. Averaging the glow over
    // the wall turned far towers into flat slabs (beige, or grey when
    // dimmed), so instead blocks of windows about two pixels across light
    // up: blocks of 2^level × 2^level windows, the same share of them lit,
    // each at half a window's glow. A dark wall with a few bright specks
    // is what a lit tower looks like from afar.
    let level = clamp(ceil(log2(max(max(fw.x, fw.y) * 2.0, 1.0))), 1.0, 7.0);
    let block = floor(cell / exp2(level));
    let rb = hash3(vec3<f32>(block.x + 37.0 * level, block.y - 11.0 * level, plane));
    let lit_far = step(1.0 - share, rb) * 0.5;
    let lit = mix(lit_far, lit_here, detail);
    // Per-window tint and brightness fade to their averages with the detail
    // too; otherwise each far pixel would pick a random window's colour.
    let warm_avg = vec3<f32>(0.97, 0.76, 0.5);
    let warm_here = mix(vec3<f32>(1.0, 0.72, 0.38), vec3<f32>(0.85, 0.9, 1.0), step(0.8, r2));
    let warm = mix(warm_avg, warm_here, detail);
    let bright = mix(0.8, 0.6 + 0.4 * r2, detail);
    var glow = warm * facade.glow * facade.night * lit * coverage * bright;
    if lantern {
        // A sodium-warm lantern, bright enough to read as a light source.
        glow = vec3<f32>(1.0, 0.78, 0.45) * facade.glow * 3.0 * facade.night;
    }
    pbr_input.material.emissive = vec4<f32>(glow, 0.0);

    pbr_input.material.base_color = alpha_discard(pbr_input.material, pbr_input.material.base_color);

#ifdef PREPASS_PIPELINE
    let out = deferred_output(in, pbr_input);
#else
    var out: FragmentOutput;
    out.color = apply_pbr_lighting(pbr_input);
    out.color = main_pass_post_lighting_processing(pbr_input, out.color);
#endif
    return out;
}
