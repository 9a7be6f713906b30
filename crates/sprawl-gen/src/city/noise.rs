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

/// The four lattice values around one cell.
#[derive(Clone, Copy)]
struct Corners {
    valid: bool,
    seed: u64,
    ix: i64,
    iz: i64,
    v: [f64; 4],
}

const CORNER_SLOTS: usize = 16;

/// Lattice corners remembered between noise evaluations: fields are sampled
/// at nearby points (a chunk's terrain grid, a road's edges), so the same
/// cells' corners are asked for again and again. Pure memoisation: values
/// are bit-identical with or without it.
pub struct NoiseCache {
    slots: [Corners; CORNER_SLOTS],
}

impl NoiseCache {
    const fn new() -> Self {
        Self {
            slots: [Corners {
                valid: false,
                seed: 0,
                ix: 0,
                iz: 0,
                v: [0.0; 4],
            }; CORNER_SLOTS],
        }
    }
}

thread_local! {
    static CACHE: std::cell::RefCell<NoiseCache> =
        const { std::cell::RefCell::new(NoiseCache::new()) };
}

/// Runs `f` with this thread's noise cache (`f` must not call `with_cache`).
pub fn with_cache<R>(f: impl FnOnce(&mut NoiseCache) -> R) -> R {
    CACHE.with_borrow_mut(f)
}

/// `x.floor()` without the libm call (x86-64 without SSE4.1 has no
/// rounding instruction); exact for `|x| < 2^52`, which noise inputs are.
#[inline]
fn floor_fast(x: f64) -> f64 {
    if x.abs() < 4_503_599_627_370_496.0 {
        let t = x as i64 as f64;
        let f = if t > x { t - 1.0 } else { t };
        // Keep floor's sign of zero (floor(-0.0) is -0.0).
        if f == 0.0 { 0.0f64.copysign(x) } else { f }
    } else {
        x.floor()
    }
}

/// Value noise in `[-1, 1]` with quintic interpolation; one lattice cell per unit.
pub fn value2(cache: &mut NoiseCache, seed: u64, x: f64, z: f64) -> f64 {
    let (xf, zf) = (floor_fast(x), floor_fast(z));
    let (ix, iz) = (xf as i64, zf as i64);
    let fade = |t: f64| t * t * t * (t * (t * 6.0 - 15.0) + 10.0);
    let (tx, tz) = (fade(x - xf), fade(z - zf));
    // The fields' seeds differ in their low bits (a tag, plus the octave),
    // so the low bits keep one field's octaves in different slots.
    let e = &mut cache.slots[seed as usize % CORNER_SLOTS];
    if !(e.valid && e.seed == seed && e.ix == ix && e.iz == iz) {
        *e = Corners {
            valid: true,
            seed,
            ix,
            iz,
            v: [
                lattice(seed, ix, iz),
                lattice(seed, ix + 1, iz),
                lattice(seed, ix, iz + 1),
                lattice(seed, ix + 1, iz + 1),
            ],
        };
    }
    let [a, b, c, d] = e.v;
    let ab = a + (b - a) * tx;
    let cd = c + (d - c) * tx;
    ab + (cd - ab) * tz
}

/// Fractal sum of `octaves` value-noise layers, normalised to about `[-1, 1]`.
pub fn fbm(cache: &mut NoiseCache, seed: u64, x: f64, z: f64, octaves: u32) -> f64 {
    let (mut sum, mut amp, mut norm, mut f) = (0.0, 1.0, 0.0, 1.0);
    for o in 0..octaves {
        sum += amp
            * value2(
                cache,
                seed.wrapping_add(u64::from(o) * 0x1000_0001),
                x * f,
                z * f,
            );
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

    /// The noise as it was before the corner cache: libm's floor, every
    /// corner hashed each time.
    fn value2_plain(seed: u64, x: f64, z: f64) -> f64 {
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

    #[test]
    fn noise_is_bounded_and_continuous() {
        let c = &mut NoiseCache::new();
        for i in 0..1000 {
            let x = f64::from(i) * 0.137 - 50.0;
            let v = fbm(c, 7, x, -x * 0.7, 4);
            assert!((-1.0..=1.0).contains(&v));
            let d = (value2(c, 7, x, 3.0) - value2(c, 7, x + 1e-6, 3.0)).abs();
            assert!(d < 1e-4);
        }
    }

    #[test]
    fn cached_noise_is_bit_identical_to_plain_noise() {
        let c = &mut NoiseCache::new();
        let mut h = 1u64;
        for i in 0..20_000 {
            h = mix64(h.wrapping_add(i));
            // Seeds that share slots, points near and far, cells on both
            // sides of zero, exact lattice points and negative zero.
            let seed = [3, 19, 35, 3 ^ 0x7e44, 0x51fe][i as usize % 5];
            let scale = [1e-3, 0.5, 10.0, 1e6][(h >> 3) as usize % 4];
            let x = (unit(h) - 0.5) * scale;
            let z = (unit_n(h, 1) - 0.5) * scale;
            let (x, z) = match i % 7 {
                0 => (x.round(), z.round()),
                1 => (-0.0, z),
                _ => (x, z),
            };
            assert_eq!(
                value2(c, seed, x, z).to_bits(),
                value2_plain(seed, x, z).to_bits(),
                "{seed} {x} {z}"
            );
        }
        for x in [-0.0, 0.0, -1.0, -0.5, 4_503_599_627_370_497.0, -1e300] {
            assert_eq!(floor_fast(x).to_bits(), x.floor().to_bits(), "{x}");
        }
    }
}
