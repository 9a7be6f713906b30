//! Lidar, depth and semantic images see what is there.

mod common;

use sprawl_sim::{CameraConfig, Sim};
use sprawl_world::SemanticClass;

#[test]
fn lidar_and_cameras_see_a_building_at_the_right_distance() {
    let mut config = common::quiet("car");
    let cam = CameraConfig {
        width: 9,
        height: 7,
        fov: 0.6,
        range: 60.0,
    };
    config.sensors.depth = Some(cam);
    config.sensors.semantic = Some(cam);
    let mut sim = Sim::new(config).unwrap();
    sim.reset(7).unwrap();
    assert_eq!(sim.camera_shape(), (Some((7, 9)), Some((7, 9))));
    let walls = common::walls(&common::live_chunks(&sim, 7), 10.0);
    assert!(walls.len() >= 4);
    let (mut right, mut tried) = (0, 0);
    let mut depth = vec![0.0; 63];
    let mut semantic = vec![0u8; 63];
    for w in walls.iter().filter(|w| w.height > 4.0).take(12) {
        sim.teleport(0, w.stand.to_array(), w.yaw).unwrap();
        tried += 1;
        let d = common::forward_lidar(&sim, 50.0);
        assert!(
            d <= 10.3,
            "the forward beam went through a wall 10 m ahead ({d} m)"
        );
        sim.write_depth(0, &mut depth);
        sim.write_semantic(0, &mut semantic);
        let centre = 3 * 9 + 4;
        if (d - 10.0).abs() < 0.3 {
            right += 1;
            // The middle pixel looks at the same wall.
            assert!(
                (depth[centre] - d).abs() < 0.3,
                "depth {} vs lidar {d}",
                depth[centre]
            );
            assert_eq!(semantic[centre], SemanticClass::Building.id());
        }
    }
    assert!(
        right * 2 >= tried,
        "only {right} of {tried} walls seen at 10 m"
    );
}

#[test]
fn semantic_ids_are_real_classes_and_depth_is_in_range() {
    let mut config = common::quiet("car");
    config.traffic_density = 0.8;
    config.pedestrian_density = 0.8;
    let cam = CameraConfig {
        width: 48,
        height: 32,
        fov: 1.6,
        range: 60.0,
    };
    config.sensors.depth = Some(cam);
    config.sensors.semantic = Some(CameraConfig { width: 40, ..cam });
    let mut sim = Sim::new(config).unwrap();
    sim.reset(12).unwrap();
    for _ in 0..10 {
        let a = common::follow(&sim, 8.0);
        sim.step(&[&a]).unwrap();
    }
    let mut depth = vec![0.0; 48 * 32];
    let mut semantic = vec![0u8; 40 * 32];
    sim.write_depth(0, &mut depth);
    sim.write_semantic(0, &mut semantic);
    assert!(
        depth
            .iter()
            .all(|d| d.is_finite() && *d > 0.0 && *d <= 60.0)
    );
    let ids: Vec<u8> = SemanticClass::ALL.iter().map(|c| c.id()).collect();
    let mut seen = std::collections::BTreeSet::new();
    for s in &semantic {
        assert!(*s == 0 || ids.contains(s), "unknown class id {s}");
        seen.insert(*s);
    }
    // A street view: at least road and something standing beside it.
    assert!(seen.contains(&SemanticClass::Road.id()), "{seen:?}");
    assert!(seen.len() >= 3, "{seen:?}");
    // Lidar values are fractions of the range.
    let mut obs = vec![0.0; sim.vector_obs_len(0)];
    sim.write_vector_obs(0, &mut obs);
    let lidar = &obs[sprawl_sim::EGO_LEN + sprawl_sim::ROUTE_LEN..];
    assert_eq!(lidar.len(), 120);
    assert!(lidar.iter().all(|v| (0.0..=1.0).contains(v)));
    assert!(
        lidar.iter().any(|v| *v < 1.0),
        "lidar saw nothing in a city"
    );
    let img = sim.render_top_down(0, 64, 120.0);
    assert_eq!(img.dimensions(), (64, 64));
    assert!(
        img.pixels().any(|p| p.0 == sprawl_sim::EGO_COLOUR),
        "the agent is not drawn"
    );
}
