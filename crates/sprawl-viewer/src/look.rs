//! How the city looks: sun, sky, fog, exposure and materials, from the
//! world spec's [`Look`] and the time-of-day slider.
//!
//! [`sky_state`] is a pure function of the hour and the look (tested
//! without a GPU); the systems apply it to the sun, the ambient light, the
//! camera's fog and exposure, the sky dome and the façade shader. The
//! shaders are compiled into the binary from `shaders/` at the repository
//! root, so the viewer needs no asset folder at run time.

use crate::stream::{ChunkMaterials, StreamAnchor};
use crate::world::ActiveWorld;
use bevy::asset::uuid_handle;
use bevy::camera::Exposure;
use bevy::light::{CascadeShadowConfigBuilder, NotShadowCaster, NotShadowReceiver};
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::pbr::{DistanceFog, ExtendedMaterial, FogFalloff, MaterialExtension};
use bevy::prelude::*;
use bevy::render::render_resource::{AsBindGroup, ShaderType};
use bevy::shader::ShaderRef;
use sprawl_world::{Look, Season, Weather};

/// The façade shader (`shaders/facade.wgsl`).
pub const FACADE_SHADER: Handle<Shader> = uuid_handle!("6f0c1a52-8a7e-4c1b-9d3e-5b2f7a9c4e11");
/// The sky shader (`shaders/sky.wgsl`).
pub const SKY_SHADER: Handle<Shader> = uuid_handle!("0b8d3e7f-2c41-4a6e-8f15-93c2d7e0a5b4");

/// Building walls: the standard material plus the window pattern.
pub type FacadeMaterial = ExtendedMaterial<StandardMaterial, FacadeExtension>;

/// Parameters of the façade shader.
#[derive(Debug, Clone, Copy, PartialEq, ShaderType, Reflect)]
pub struct FacadeParams {
    /// 0 by day, 1 by night.
    pub night: f32,
    /// Brightness of a lit window.
    pub glow: f32,
    /// Storey height (metres).
    pub storey: f32,
    /// Share of windows lit at night.
    pub lit_share: f32,
}

impl FacadeParams {
    /// The façades as every city starts (by day): lit windows at a
    /// brightness of 1.2, storeys of 3.2 m, 35 % of windows lit at night.
    pub const DAY: Self = Self {
        night: 0.0,
        glow: 1.2,
        storey: 3.2,
        lit_share: 0.35,
    };
}

/// The façade extension of [`StandardMaterial`].
#[derive(Asset, AsBindGroup, Reflect, Debug, Clone)]
pub struct FacadeExtension {
    /// Shader parameters.
    #[uniform(100)]
    pub params: FacadeParams,
}

impl MaterialExtension for FacadeExtension {
    fn fragment_shader() -> ShaderRef {
        FACADE_SHADER.into()
    }
}

/// Sky dome colours (fog units) and the sun.
#[derive(Debug, Clone, Copy, PartialEq, ShaderType, Reflect)]
pub struct SkyParams {
    /// Colour straight up.
    pub zenith: Vec4,
    /// Colour at the horizon (equals the fog colour).
    pub horizon: Vec4,
    /// Colour below the horizon.
    pub ground: Vec4,
    /// Sun glow colour.
    pub sun_color: Vec4,
    /// Direction towards the sun; `w` is the night factor.
    pub sun_dir: Vec4,
}

/// The sky dome's material.
#[derive(Asset, AsBindGroup, Reflect, Debug, Clone)]
pub struct SkyMaterial {
    /// Shader parameters.
    #[uniform(0)]
    pub params: SkyParams,
}

impl Material for SkyMaterial {
    fn fragment_shader() -> ShaderRef {
        SKY_SHADER.into()
    }
    fn enable_prepass() -> bool {
        false
    }
    fn enable_shadows() -> bool {
        false
    }
}

/// Local solar time shown (hours, 0..24); starts at the spec's and follows the slider.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct TimeOfDay {
    /// Hours since midnight.
    pub hours: f32,
}

/// Lighting derived from the hour and the look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkyState {
    /// Unit vector towards the sun (it may be below the horizon).
    pub sun_dir: Vec3,
    /// Sun (or moon) light colour, linear.
    pub sun_color: Vec3,
    /// Direct light (lux).
    pub illuminance: f32,
    /// Ambient light colour and brightness.
    pub ambient: (Vec3, f32),
    /// Sky colours: zenith and horizon (the fog colour), linear, fog units.
    pub zenith: Vec3,
    /// See `zenith`.
    pub horizon: Vec3,
    /// 0 by day, 1 by night.
    pub night: f32,
    /// Fog: fully clear nearer than this (metres).
    pub fog_start: f32,
    /// Fog: fully opaque beyond this (metres).
    pub fog_end: f32,
    /// Camera exposure (EV100).
    pub ev100: f32,
}

fn smooth(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Direction towards the sun at `hours` local solar time, at 45° north:
/// east is +X, north is −Z, up is +Y.
pub fn sun_direction(hours: f32, season: Season) -> Vec3 {
    let lat = 45f32.to_radians();
    let decl = match season {
        Season::Summer => 23.4f32,
        Season::Winter => -23.4,
        Season::Spring | Season::Autumn => 0.0,
    }
    .to_radians();
    let h = ((hours - 12.0) * 15.0).to_radians();
    let east = -decl.cos() * h.sin();
    let up = lat.sin() * decl.sin() + lat.cos() * decl.cos() * h.cos();
    let north = lat.cos() * decl.sin() - lat.sin() * decl.cos() * h.cos();
    Vec3::new(east, up, -north).normalize()
}

/// Light, sky and fog for `hours` under `look`, with the city drawn to `reach` metres.
pub fn sky_state(hours: f32, look: &Look, reach: f32) -> SkyState {
    let sun = sun_direction(hours.rem_euclid(24.0), look.season);
    let e = sun.y;
    let day = smooth(-0.12, 0.12, e);
    let night = 1.0 - smooth(-0.2, 0.02, e);
    let low = 1.0 - smooth(0.05, 0.4, e); // golden hour
    let (dim, grey): (f32, f32) = match look.weather {
        Weather::Clear => (1.0, 0.0),
        Weather::Cloudy => (0.45, 0.7),
        Weather::Rain => (0.3, 0.85),
        Weather::Snow => (0.45, 0.8),
        Weather::Fog => (0.4, 0.9),
    };
    let to_grey = |c: Vec3, g: f32| {
        let l = c.dot(Vec3::new(0.3, 0.55, 0.15));
        c.lerp(Vec3::splat(l), g)
    };
    // Daylight sky, tinted warm near sunrise and sunset.
    let zenith_day = Vec3::new(0.10, 0.24, 0.62).lerp(Vec3::new(0.2, 0.25, 0.45), low * 0.6);
    let horizon_day = Vec3::new(0.48, 0.60, 0.76).lerp(Vec3::new(0.95, 0.55, 0.3), low * day);
    let zenith_night = Vec3::new(0.004, 0.007, 0.02);
    let horizon_night = Vec3::new(0.02, 0.026, 0.045);
    let zenith = to_grey(zenith_night.lerp(zenith_day, day), grey) * (0.35 + 0.65 * dim.sqrt());
    let horizon = to_grey(horizon_night.lerp(horizon_day, day), grey * 0.9) * (0.5 + 0.5 * dim);
    let sun_color = Vec3::new(1.0, 0.96, 0.9).lerp(Vec3::new(1.0, 0.55, 0.25), low);
    let moon_color = Vec3::new(0.6, 0.7, 1.0);
    let (dir, color, lux) = if e > -0.05 {
        (sun, sun_color, 9000.0 * smooth(-0.05, 0.3, e) * dim)
    } else {
        // The moon opposite the sun, a faint blue light.
        let moon = Vec3::new(-sun.x, (-sun.y).max(0.35), -sun.z).normalize();
        (moon, moon_color, 3.0 * dim.sqrt())
    };
    let ambient_day = 450.0 * dim.max(0.6);
    let ambient = (
        Vec3::new(0.75, 0.85, 1.0).lerp(Vec3::ONE, grey),
        (ambient_day * day + 30.0 * night).max(20.0),
    );
    // Fog: the spec's density and the weather thin the view; the horizon
    // is always fully fogged so that the edge of the streamed city is hidden.
    let thick = match look.weather {
        Weather::Fog => 0.8,
        Weather::Rain | Weather::Snow => 0.45,
        Weather::Cloudy => 0.15,
        Weather::Clear => 0.0,
    };
    let density = (look.fog + thick).clamp(0.0, 1.0);
    let end = reach * (1.0 - 0.8 * density);
    let start = end * (0.6 - 0.5 * density);
    // Night exposure opens up so that lit windows and moonlight read.
    let ev100 = 10.4 - 2.6 * night - 1.0 * (1.0 - dim);
    SkyState {
        sun_dir: dir,
        sun_color: color,
        illuminance: lux,
        ambient,
        zenith,
        horizon,
        night,
        fog_start: start,
        fog_end: end,
        ev100,
    }
}

/// Ordering of the look systems (in `Update`, after the camera moved).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LookSet {
    /// Apply the time of day and the spec to lights, sky, fog and materials.
    Apply,
}

/// The sun (a directional light with shadows).
#[derive(Component, Debug)]
pub struct Sun;

/// The sky dome.
#[derive(Component, Debug)]
pub struct SkyDome;

/// Handles of the materials the look plugin controls.
#[derive(Resource, Debug, Clone)]
pub struct LookMaterials {
    /// The sky.
    pub sky: Handle<SkyMaterial>,
    /// The highlight drawn over a selected object.
    pub highlight: Handle<StandardMaterial>,
}

/// Radius of the sky dome (inside the camera's far plane).
pub const SKY_RADIUS: f32 = 3500.0;

/// Sun, sky, fog and materials.
#[derive(Default)]
pub struct LookPlugin {
    /// Hour to show the first world at (default: the spec's).
    pub start_hours: Option<f32>,
    /// Cheaper shadows for a software rasteriser: one cascade over 240 m
    /// (a GPU gets three over 600 m).
    pub software: bool,
}

/// How far and how finely the sun's shadows are drawn.
#[derive(Resource, Debug, Clone, Copy)]
struct ShadowProfile {
    cascades: usize,
    first_far: f32,
    max_distance: f32,
}

/// An hour that overrides the first world's own time of day.
#[derive(Resource, Debug, Clone, Copy)]
struct StartHours(Option<f32>);

impl Plugin for LookPlugin {
    fn build(&self, app: &mut App) {
        let mut shaders = app.world_mut().resource_mut::<Assets<Shader>>();
        let _ = shaders.insert(
            FACADE_SHADER.id(),
            Shader::from_wgsl(
                include_str!("../../../shaders/facade.wgsl"),
                "shaders/facade.wgsl",
            ),
        );
        let _ = shaders.insert(
            SKY_SHADER.id(),
            Shader::from_wgsl(
                include_str!("../../../shaders/sky.wgsl"),
                "shaders/sky.wgsl",
            ),
        );
        app.add_plugins((
            MaterialPlugin::<FacadeMaterial>::default(),
            MaterialPlugin::<SkyMaterial>::default(),
        ))
        .insert_resource(TimeOfDay { hours: 14.0 })
        .insert_resource(StartHours(self.start_hours))
        .insert_resource(if self.software {
            ShadowProfile {
                cascades: 1,
                first_far: 240.0,
                max_distance: 240.0,
            }
        } else {
            ShadowProfile {
                cascades: 3,
                first_far: 60.0,
                max_distance: 600.0,
            }
        })
        .insert_resource(bevy::light::DirectionalLightShadowMap { size: 2048 })
        .configure_sets(Update, LookSet::Apply)
        .add_systems(Startup, setup)
        .add_systems(
            Update,
            (
                reset_time_for_new_world,
                apply_look,
                follow_camera,
                street_lights,
            )
                .chain()
                .in_set(LookSet::Apply),
        );
    }
}

fn inward_sphere(radius: f32) -> Mesh {
    let (rings, segments) = (24u32, 48u32);
    let mut positions = Vec::new();
    let mut normals = Vec::new();
    let mut uvs = Vec::new();
    for r in 0..=rings {
        let v = r as f32 / rings as f32;
        let phi = v * std::f32::consts::PI;
        for s in 0..=segments {
            let u = s as f32 / segments as f32;
            let theta = u * std::f32::consts::TAU;
            let n = Vec3::new(phi.sin() * theta.cos(), phi.cos(), phi.sin() * theta.sin());
            positions.push((n * radius).to_array());
            normals.push((-n).to_array());
            uvs.push([u, v]);
        }
    }
    let mut indices = Vec::new();
    let w = segments + 1;
    for r in 0..rings {
        for s in 0..segments {
            let i = r * w + s;
            // Wound to face inwards.
            indices.extend_from_slice(&[i, i + 1, i + w, i + 1, i + w + 1, i + w]);
        }
    }
    Mesh::new(
        PrimitiveTopology::TriangleList,
        bevy::asset::RenderAssetUsages::RENDER_WORLD,
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_UV_0, uvs)
    .with_inserted_indices(Indices::U32(indices))
}

fn setup(
    mut commands: Commands,
    shadows: Res<ShadowProfile>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut standard: ResMut<Assets<StandardMaterial>>,
    mut facades: ResMut<Assets<FacadeMaterial>>,
    mut skies: ResMut<Assets<SkyMaterial>>,
) {
    let opaque = standard.add(StandardMaterial {
        base_color: Color::WHITE,
        perceptual_roughness: 0.92,
        reflectance: 0.25,
        ..default()
    });
    let water = standard.add(StandardMaterial {
        base_color: Color::WHITE,
        perceptual_roughness: 0.06,
        reflectance: 0.7,
        ..default()
    });
    let facade = facades.add(FacadeMaterial {
        base: StandardMaterial {
            base_color: Color::WHITE,
            perceptual_roughness: 0.85,
            reflectance: 0.3,
            ..default()
        },
        extension: FacadeExtension {
            params: FacadeParams::DAY,
        },
    });
    commands.insert_resource(ChunkMaterials {
        opaque,
        facade,
        water,
    });
    let highlight = standard.add(StandardMaterial {
        base_color: Color::srgba(1.0, 0.55, 0.1, 0.45),
        alpha_mode: AlphaMode::Blend,
        unlit: true,
        depth_bias: 1000.0,
        ..default()
    });
    let sky = skies.add(SkyMaterial {
        params: SkyParams {
            zenith: Vec4::new(0.16, 0.32, 0.72, 1.0),
            horizon: Vec4::new(0.62, 0.72, 0.84, 1.0),
            ground: Vec4::new(0.3, 0.3, 0.3, 1.0),
            sun_color: Vec4::ONE,
            sun_dir: Vec4::new(0.0, 1.0, 0.0, 0.0),
        },
    });
    commands.insert_resource(LookMaterials {
        sky: sky.clone(),
        highlight,
    });
    commands.spawn((
        SkyDome,
        Mesh3d(meshes.add(inward_sphere(SKY_RADIUS))),
        MeshMaterial3d(sky),
        Transform::default(),
        NotShadowCaster,
        NotShadowReceiver,
        bevy::camera::visibility::NoFrustumCulling,
    ));
    commands.spawn((
        Sun,
        DirectionalLight {
            illuminance: 9000.0,
            shadow_maps_enabled: true,
            ..default()
        },
        CascadeShadowConfigBuilder {
            num_cascades: shadows.cascades,
            minimum_distance: 0.5,
            first_cascade_far_bound: shadows.first_far,
            maximum_distance: shadows.max_distance,
            overlap_proportion: 0.2,
        }
        .build(),
        Transform::from_xyz(1.0, 1.0, 1.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
}

fn reset_time_for_new_world(
    world: Option<Res<ActiveWorld>>,
    start: Res<StartHours>,
    mut time: ResMut<TimeOfDay>,
    mut last: Local<Option<u64>>,
) {
    let Some(world) = world else {
        return;
    };
    if *last != Some(world.generation) {
        time.hours = match (*last, start.0) {
            (None, Some(h)) => h,
            _ => world.spec.look.time_of_day,
        };
        *last = Some(world.generation);
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one system touching every lit thing"
)]
fn apply_look(
    mut commands: Commands,
    world: Option<Res<ActiveWorld>>,
    time: Res<TimeOfDay>,
    config: Res<crate::stream::StreamConfig>,
    materials: Res<ChunkMaterials>,
    look_materials: Res<LookMaterials>,
    mut facades: ResMut<Assets<FacadeMaterial>>,
    mut skies: ResMut<Assets<SkyMaterial>>,
    mut sun: Query<(&mut DirectionalLight, &mut Transform), With<Sun>>,
    cameras: Query<Entity, With<Camera3d>>,
    mut last: Local<Option<(u64, f32, u32)>>,
) {
    let Some(world) = world else {
        return;
    };
    let cams: u32 = cameras.iter().count() as u32;
    let key = (world.generation, time.hours, cams);
    if *last == Some(key) {
        return;
    }
    *last = Some(key);
    let look = world.spec.look;
    let s = sky_state(time.hours, &look, config.horizon());
    if let Ok((mut light, mut t)) = sun.single_mut() {
        light.illuminance = s.illuminance;
        light.color = Color::linear_rgb(s.sun_color.x, s.sun_color.y, s.sun_color.z);
        *t = Transform::from_translation(s.sun_dir).looking_at(Vec3::ZERO, Vec3::Y);
    }
    commands.insert_resource(GlobalAmbientLight {
        color: Color::linear_rgb(s.ambient.0.x, s.ambient.0.y, s.ambient.0.z),
        brightness: s.ambient.1,
        ..default()
    });
    let fog = Color::linear_rgb(s.horizon.x, s.horizon.y, s.horizon.z);
    let glow = s.sun_color * (1.0 - s.night) * 0.4;
    commands.insert_resource(ClearColor(fog));
    for cam in &cameras {
        commands.entity(cam).insert((
            DistanceFog {
                color: fog,
                directional_light_color: Color::linear_rgba(glow.x, glow.y, glow.z, 0.5),
                directional_light_exponent: 20.0,
                falloff: FogFalloff::Linear {
                    start: s.fog_start,
                    end: s.fog_end,
                },
            },
            Exposure { ev100: s.ev100 },
        ));
    }
    if let Some(mut m) = facades.get_mut(&materials.facade) {
        m.extension.params.night = s.night;
    }
    if let Some(mut m) = skies.get_mut(&look_materials.sky) {
        let ground = s.horizon * 0.55;
        let sc = s.sun_color * (1.0 - s.night);
        m.params = SkyParams {
            zenith: s.zenith.extend(1.0),
            horizon: s.horizon.extend(1.0),
            ground: ground.extend(1.0),
            sun_color: sc.extend(1.0),
            sun_dir: s.sun_dir.extend(s.night),
        };
    }
}

/// Street lamps near the camera that light the street at night (the
/// nearest [`STREET_LIGHTS`]; the rest only glow, in the façade shader).
#[derive(Component, Debug)]
pub struct StreetLight;

/// How many lamps near the camera cast light at night (point lights without
/// shadows; a software rasteriser pays for each one in every pixel they reach).
pub const STREET_LIGHTS: usize = 10;
/// Luminous power of one lamp (lumens): bright enough to pool on the street
/// under the night exposure of [`sky_state`].
pub const LAMP_LUMENS: f32 = 150_000.0;
/// Reach of a lamp's light (metres).
pub const LAMP_RANGE: f32 = 22.0;
/// Where a lamp's lantern is, in the lamp's own frame (metres; see
/// `lamp_mesh` in sprawl-gen).
const LANTERN: Vec3 = Vec3::new(0.0, 5.6, 1.35);

/// Puts the street lights on the lamps nearest the camera, every few frames.
#[expect(
    clippy::too_many_arguments,
    reason = "the lights follow the time, the world, the stream and the camera"
)]
fn street_lights(
    mut commands: Commands,
    time: Res<TimeOfDay>,
    world: Option<Res<ActiveWorld>>,
    config: Res<crate::stream::StreamConfig>,
    streamer: Option<Res<crate::stream::Streamer>>,
    anchor: Query<&GlobalTransform, With<StreamAnchor>>,
    mut lights: Query<(Entity, &mut Transform, &mut PointLight), With<StreetLight>>,
    mut frame: Local<u32>,
) {
    *frame = frame.wrapping_add(1);
    if !(*frame).is_multiple_of(8) {
        return;
    }
    let (Some(world), Some(streamer), Ok(cam)) = (world, streamer, anchor.single()) else {
        return;
    };
    let night = sky_state(time.hours, &world.spec.look, config.horizon()).night;
    let here = cam.translation();
    let mut lamps: Vec<(f32, Vec3)> = Vec::new();
    if night > 0.05 {
        for live in streamer.live.values() {
            let Some(chunk) = &live.chunk else { continue };
            for o in &chunk.objects {
                if o.class == sprawl_world::SemanticClass::Lamp {
                    let p = o.transform.apply(LANTERN);
                    lamps.push((p.distance_squared(here), p));
                }
            }
        }
        lamps.sort_by(|a, b| a.0.total_cmp(&b.0));
        lamps.truncate(STREET_LIGHTS);
    }
    let mut existing: Vec<_> = lights.iter_mut().collect();
    for (i, (_, at)) in lamps.iter().enumerate() {
        let light = PointLight {
            color: Color::srgb(1.0, 0.8, 0.55),
            intensity: LAMP_LUMENS * night,
            range: LAMP_RANGE,
            radius: 0.2,
            shadow_maps_enabled: false,
            ..default()
        };
        match existing.get_mut(i) {
            Some((_, t, l)) => {
                t.translation = *at;
                **l = light;
            }
            None => {
                commands.spawn((StreetLight, light, Transform::from_translation(*at)));
            }
        }
    }
    for (e, _, _) in existing.iter().skip(lamps.len()) {
        commands.entity(*e).despawn();
    }
}

/// Keeps the sky dome centred on the camera.
fn follow_camera(
    anchor: Query<&GlobalTransform, (With<StreamAnchor>, Without<SkyDome>)>,
    mut dome: Query<&mut Transform, With<SkyDome>>,
) {
    if let (Ok(a), Ok(mut t)) = (anchor.single(), dome.single_mut()) {
        t.translation = a.translation();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The look systems in an app without a renderer: what the panel's
    /// slider does (it writes [`TimeOfDay`]) shows in the next frame.
    #[test]
    fn moving_the_time_of_day_relights_the_city_in_the_next_frame() {
        let dir = tempfile::tempdir().unwrap();
        let world = crate::world::open(
            &crate::world::WorldSource::Prompt {
                text: "a small town".into(),
                seed: Some(2),
                file: Some(dir.path().join("t.sprawl")),
            },
            false,
        )
        .unwrap();
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, AssetPlugin::default()))
            .init_asset::<FacadeMaterial>()
            .init_asset::<SkyMaterial>()
            .init_asset::<StandardMaterial>()
            .insert_resource(world)
            .insert_resource(crate::stream::StreamConfig::default())
            .insert_resource(TimeOfDay { hours: 0.0 })
            .insert_resource(StartHours(Some(13.0)))
            .add_systems(Update, (reset_time_for_new_world, apply_look).chain());
        let facade = app
            .world_mut()
            .resource_mut::<Assets<FacadeMaterial>>()
            .add(FacadeMaterial {
                base: StandardMaterial::default(),
                extension: FacadeExtension {
                    params: FacadeParams::DAY,
                },
            });
        let sky = app
            .world_mut()
            .resource_mut::<Assets<SkyMaterial>>()
            .add(SkyMaterial {
                params: SkyParams {
                    zenith: Vec4::ZERO,
                    horizon: Vec4::ZERO,
                    ground: Vec4::ZERO,
                    sun_color: Vec4::ZERO,
                    sun_dir: Vec4::Y,
                },
            });
        app.insert_resource(ChunkMaterials {
            facade: facade.clone(),
            ..ChunkMaterials::default()
        })
        .insert_resource(LookMaterials {
            sky: sky.clone(),
            highlight: Handle::default(),
        });
        let sun = app
            .world_mut()
            .spawn((Sun, DirectionalLight::default(), Transform::default()))
            .id();
        let read = |app: &App| {
            let night = app
                .world()
                .resource::<Assets<FacadeMaterial>>()
                .get(&facade)
                .unwrap()
                .extension
                .params
                .night;
            let zenith = app
                .world()
                .resource::<Assets<SkyMaterial>>()
                .get(&sky)
                .unwrap()
                .params
                .zenith;
            let lux = app
                .world()
                .get::<DirectionalLight>(sun)
                .unwrap()
                .illuminance;
            (night, zenith.truncate().length(), lux)
        };
        app.update();
        assert_eq!(app.world().resource::<TimeOfDay>().hours, 13.0);
        let (night, zenith, lux) = read(&app);
        assert!(night < 0.01 && lux > 1000.0, "13:00: {night} {lux}");
        // The slider moves to 22:00.
        app.world_mut().resource_mut::<TimeOfDay>().hours = 22.0;
        app.update();
        let (night2, zenith2, lux2) = read(&app);
        assert!(night2 > 0.99, "22:00: windows not lit ({night2})");
        assert!(lux2 < lux / 100.0, "22:00: {lux2} lux against {lux}");
        assert!(
            zenith2 < zenith / 5.0,
            "22:00: sky {zenith2} against {zenith}"
        );
    }

    #[test]
    fn sun_rises_in_the_east_and_stands_south_at_noon() {
        let morning = sun_direction(8.0, Season::Spring);
        assert!(morning.x > 0.5 && morning.y > 0.0, "{morning}");
        let noon = sun_direction(12.0, Season::Summer);
        assert!(noon.z > 0.0 && noon.y > 0.8, "{noon}");
        let midnight = sun_direction(0.0, Season::Winter);
        assert!(midnight.y < -0.5);
    }

    #[test]
    fn night_is_dark_with_lit_windows_and_fog_always_closes_the_horizon() {
        let look = Look::default();
        let day = sky_state(13.0, &look, 1750.0);
        let night = sky_state(23.0, &look, 1750.0);
        assert!(day.night < 0.01 && night.night > 0.99);
        assert!(day.illuminance > 100.0 * night.illuminance);
        assert!(day.horizon.length() > 5.0 * night.horizon.length());
        for w in [Weather::Clear, Weather::Fog] {
            let s = sky_state(
                10.0,
                &Look {
                    weather: w,
                    fog: 1.0,
                    ..look
                },
                1750.0,
            );
            assert!(s.fog_end <= 1750.0 && s.fog_start < s.fog_end && s.fog_start >= 0.0);
        }
        let foggy = sky_state(
            10.0,
            &Look {
                weather: Weather::Fog,
                ..look
            },
            1750.0,
        );
        assert!(foggy.fog_end < day.fog_end);
    }
}
