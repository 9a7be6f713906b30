//! Prints the simulator's speed figures:
//! `cargo run --release -p sprawl-sim --example bench [-- --steps N --envs N --threads N]`.
//!
//! - one env, a car with a 240-ray lidar, traffic and pedestrians on: steps per second;
//! - `reset(seed = new)` to the end of the first step: median milliseconds;
//! - N envs stepped on T threads: agent-steps per second;
//! - resident memory per env (growth of the process RSS over N live envs).

use sprawl_sim::{Sim, SimConfig};
use std::time::Instant;

/// A simple route follower: steers at the route point 10 m ahead, holds
/// 8 m/s, brakes for anything the lidar sees within 12 m ahead (±15°).
fn drive(obs: &[f32]) -> [f32; 3] {
    let speed = obs[0] * 20.0;
    let (fwd, left) = (obs[10], obs[11]);
    let steer = (left.atan2(fwd.max(1e-3)) * 1.5).clamp(-1.0, 1.0);
    let lidar = &obs[sprawl_sim::EGO_LEN + sprawl_sim::ROUTE_LEN..];
    let n = lidar.len();
    let cone = (n / 24).max(1);
    let ahead = (0..=cone)
        .chain(n - cone..n)
        .map(|i| lidar[i % n] * 50.0)
        .fold(f32::INFINITY, f32::min);
    let blocked = ahead < 6.0 + speed;
    let throttle = if speed < 8.0 && !blocked { 0.6 } else { 0.0 };
    let brake = if blocked {
        1.0
    } else if speed > 10.0 {
        0.3
    } else {
        0.0
    };
    [throttle, brake, steer]
}

/// CPU seconds the whole process (every thread, the chunk loaders
/// included) has run, user + system, from /proc. The machine may be shared
/// with other work, so CPU time shows what free cores would do.
fn process_cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses).
    let rest = s.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn rss_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Steps `sim` `n` times with the route follower, resetting (same seed
/// sequence) when an episode ends; returns (seconds stepping, resets).
fn run(sim: &mut Sim, n: usize, seed: &mut u64) -> (f64, usize) {
    run_counting(sim, n, seed, &mut Default::default())
}

fn run_counting(
    sim: &mut Sim,
    n: usize,
    seed: &mut u64,
    endings: &mut std::collections::BTreeMap<&'static str, usize>,
) -> (f64, usize) {
    let mut obs = vec![0.0; sim.vector_obs_len(0)];
    let mut stepping = 0.0;
    let mut resets = 0;
    for _ in 0..n {
        sim.write_vector_obs(0, &mut obs);
        let a = drive(&obs);
        let t = Instant::now();
        sim.step(&[&a]).expect("step");
        stepping += t.elapsed().as_secs_f64();
        if sim.terminated(0) || sim.truncated(0) {
            *endings.entry(sim.outcome(0).name()).or_default() += 1;
            *seed += 1;
            sim.reset(*seed).expect("reset");
            resets += 1;
        }
    }
    (stepping, resets)
}

fn main() {
    let steps = arg("--steps", 20_000);
    let envs = arg("--envs", 8);
    let threads = arg("--threads", 2);
    let config = SimConfig::default();
    println!(
        "config: {} agent(s) {:?}, lidar {:?}, traffic {}, pedestrians {}, dt {} s, stream radius {} m",
        config.agents.len(),
        config.agents,
        config.sensors.lidar.map(|l| (l.rays, l.channels, l.range)),
        config.traffic_density,
        config.pedestrian_density,
        config.dt,
        config.stream_radius
    );

    // One env.
    let mut sim = Sim::new(config.clone()).expect("sim");
    let mut seed = 1;
    sim.reset(seed).expect("reset");
    run(&mut sim, 200, &mut seed); // warm up
    let t = Instant::now();
    let cpu0 = process_cpu_s();
    let mut endings = Default::default();
    let (stepping, resets) = run_counting(&mut sim, steps, &mut seed, &mut endings);
    let wall = t.elapsed().as_secs_f64();
    let cpu = process_cpu_s() - cpu0;
    let (cars, walkers) = sim.traffic_count();
    println!(
        "one env: {:.0} steps per CPU-second (its loader thread and resets included)",
        steps as f64 / cpu
    );
    println!(
        "one env: {:.0} steps/s stepping only, {:.0} steps/s including {resets} resets \
         ({steps} steps; endings {endings:?}; now {} chunks live, {cars} cars, {walkers} pedestrians; loader {:?})",
        steps as f64 / stepping,
        steps as f64 / wall,
        sim.loaded_chunks(),
        sim.loader_stats()
    );

    // reset(seed = new) to the end of the first step.
    let mut times = Vec::new();
    for k in 0..60u64 {
        let t = Instant::now();
        sim.reset(10_000 + k).expect("reset");
        sim.step(&[&[0.5, 0.0, 0.0]]).expect("step");
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "reset(new seed) + first step: median {:.2} ms, p90 {:.2} ms, max {:.2} ms (60 seeds)",
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        times[times.len() - 1]
    );
    drop(sim);

    // Memory per env.
    let before = rss_kb();
    let mut pool: Vec<Sim> = (0..envs)
        .map(|i| {
            let mut s = Sim::new(config.clone()).expect("sim");
            s.reset(100 + i as u64).expect("reset");
            s
        })
        .collect();
    let mut seeds: Vec<u64> = (0..envs as u64).map(|i| 100 + i).collect();
    for (s, seed) in pool.iter_mut().zip(&mut seeds) {
        run(s, 300, seed);
    }
    let after = rss_kb();
    if let (Some(b), Some(a)) = (before, after) {
        println!(
            "memory: {:.1} MB RSS per env ({envs} envs, process grew {:.1} MB)",
            (a.saturating_sub(b)) as f64 / 1024.0 / envs as f64,
            (a.saturating_sub(b)) as f64 / 1024.0
        );
    }

    // Vectorised: envs split over threads, each thread stepping its share.
    let per_env = (steps / envs).max(500);
    let t = Instant::now();
    let cpu0 = process_cpu_s();
    std::thread::scope(|scope| {
        let chunk = envs.div_ceil(threads);
        for (part, seeds) in pool.chunks_mut(chunk).zip(seeds.chunks_mut(chunk)) {
            scope.spawn(move || {
                let mut obs: Vec<Vec<f32>> = part
                    .iter()
                    .map(|s| vec![0.0; s.vector_obs_len(0)])
                    .collect();
                for _ in 0..per_env {
                    for ((s, o), seed) in part.iter_mut().zip(&mut obs).zip(seeds.iter_mut()) {
                        s.write_vector_obs(0, o);
                        let a = drive(o);
                        s.step(&[&a]).expect("step");
                        if s.terminated(0) || s.truncated(0) {
                            *seed += 1000;
                            s.reset(*seed).expect("reset");
                        }
                    }
                }
            });
        }
    });
    let wall = t.elapsed().as_secs_f64();
    let cpu = process_cpu_s() - cpu0;
    println!(
        "vectorised: {:.0} agent-steps/s wall ({envs} envs on {threads} threads, {per_env} steps each, resets included); \
         {:.0} agent-steps per CPU-second, so {:.0} agent-steps/s on {threads} free cores",
        (envs * per_env) as f64 / wall,
        (envs * per_env) as f64 / cpu,
        (envs * per_env) as f64 / cpu * threads as f64
    );
}
