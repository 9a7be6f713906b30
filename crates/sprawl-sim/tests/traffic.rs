//! Background traffic yields at junctions: one car at a time in each.

mod common;

use sprawl_sim::{Sim, SimConfig, TrafficState};

/// Whether two upright boxes overlap in plan (separating axes) and in height.
fn overlap(a: &TrafficState, b: &TrafficState) -> bool {
    if (a.centre[1] - b.centre[1]).abs() > a.half_extents[1] + b.half_extents[1] {
        return false;
    }
    let axes = |s: &TrafficState| {
        let (sin, cos) = s.yaw.sin_cos();
        [(cos, -sin), (sin, cos)]
    };
    let (aa, ba) = (axes(a), axes(b));
    let d = (b.centre[0] - a.centre[0], b.centre[2] - a.centre[2]);
    let reach = |s: &TrafficState, ax: &[(f32, f32); 2], n: (f32, f32)| {
        s.half_extents[0] * (n.0 * ax[0].0 + n.1 * ax[0].1).abs()
            + s.half_extents[2] * (n.0 * ax[1].0 + n.1 * ax[1].1).abs()
    };
    aa.iter()
        .chain(ba.iter())
        .all(|n| (d.0 * n.0 + d.1 * n.1).abs() <= reach(a, &aa, *n) + reach(b, &ba, *n))
}

/// Dense traffic (0.6) around a hovering drone for 40 s in three cities: no
/// two cars ever overlap (4,865 overlapping pairs over the same run before
/// cars yielded), and the traffic keeps moving (yielding does not lock the
/// junctions).
#[test]
fn traffic_cars_never_overlap_at_junctions() {
    let config = SimConfig {
        traffic_density: 0.6,
        max_steps: 100_000,
        ..common::quiet("drone")
    };
    let mut sim = Sim::new(config).unwrap();
    let (mut overlaps, mut samples, mut moving, mut stopped) = (0, 0usize, 0usize, 0usize);
    for seed in [2, 5, 9] {
        sim.reset(seed).unwrap();
        for step in 0..400 {
            sim.step(&[&[0.5, 0.0, 0.0, 0.0]]).unwrap();
            let cars: Vec<TrafficState> = sim.traffic().into_iter().filter(|t| t.car).collect();
            assert!(cars.len() > 10, "seed {seed}: only {} cars", cars.len());
            for (i, a) in cars.iter().enumerate() {
                samples += 1;
                if a.speed > 2.0 {
                    moving += 1;
                } else if a.speed < 0.1 {
                    stopped += 1;
                }
                for b in &cars[i + 1..] {
                    if overlap(a, b) {
                        overlaps += 1;
                        eprintln!("seed {seed} step {step}: {a:?} overlaps {b:?}");
                    }
                }
            }
        }
    }
    assert_eq!(overlaps, 0, "car overlaps in {samples} car-steps");
    // Measured: 47 % of car-steps above 2 m/s with yielding, 56 % without
    // (when cars drove through each other); queues at junctions are expected.
    assert!(
        moving * 5 > samples * 2,
        "{moving} of {samples} car-steps faster than 2 m/s"
    );
    assert!(stopped > 0, "no car ever waited");
}
