//! Seeded hash noise: value noise and fractal sums, pure functions of
//! `(seed, position)` so any chunk can evaluate any point identically.

use sprawl_world::hash::mix64;

/// Hash of a seed and an integer lattice point.
pub fn hash2(seed: u64, x: i64, z: i64) -> u64 {
    mix64(
        seed ^ mix64(
            (x as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
                ^ (z as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f),
        ),
    )
}

/// Hash of a seed and a tag plus three integers (feature keys).
pub fn hash_key(seed: u64, tag: u64, a: i64, b: i64) -> u64 {
    mix64(hash2(seed ^ tag.wrapping_mul(0x2545_f491_4f6c_dd1d), a, b))
}

/// Uniform `[0, 1)` from a hash.
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform `[0, 1)` number `k` of a hash stream.
pub fn unit_n(h: u64, k: u64) -> f64 {
    unit(mix64(h ^ k.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
}

fn lattice(seed: u64, x: i64, z: i64) -> f64 {
    unit(hash2(seed, x, z)) * 2.0 - 1.0
}

/// Value noise in `[-1, 1]` with quintic interpolation; one lattice cell per unit.
pub fn value2(seed: u64, x: f64, z: f64) -> f64 {
    let (xf, zf) = (x.floor(), z.floor());
    let (ix, iz) = (xf as i64, zf as i64);
    let fade = |t: f64| t * t * t * (t * (t * 6.0 - 15.0) + 10.0);
    let (tx, tz) = (fade(x - xf), fade(z - zf));
    let a = lattice(seed, ix, iz);
    let b = lattice(seed, ix + 1, iz);
    let c = lattice(seed, ix, iz + 1);
    let d = lattice(seed, ix + 1, iz + 1);
    let ab = a + (b - a) * tx;
    let cd = c + (d - c) * tx;
    ab + (cd - ab) * tz
}

/// Fractal sum of `octaves` value-noise layers, normalised to about `[-1, 1]`.
pub fn fbm(seed: u64, x: f64, z: f64, octaves: u32) -> f64 {
    let (mut sum, mut amp, mut norm, mut f) = (0.0, 1.0, 0.0, 1.0);
    for o in 0..octaves {
        sum += amp * value2(seed.wrapping_add(u64::from(o) * 0x1000_0001), x * f, z * f);
        norm += amp;
        amp *= 0.5;
        f *= 2.03;
    }
    sum / norm
}

/// Hermite smoothstep of `x` between `e0` and `e1`.
pub fn smoothstep(e0: f64, e1: f64, x: f64) -> f64 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Linear interpolation.
pub fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_bounded_and_continuous() {
        for i in 0..1000 {
            let x = f64::from(i) * 0.137 - 50.0;
            let v = fbm(7, x, -x * 0.7, 4);
            assert!((-1.0..=1.0).contains(&v));
            let d = (value2(7, x, 3.0) - value2(7, x + 1e-6, 3.0)).abs();
            assert!(d < 1e-4);
        }
    }
}
