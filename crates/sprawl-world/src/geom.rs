//! Ray queries shared by the simulator's sensors and the viewer's picking:
//! one implementation, so a ray that hits an object in the viewer hits it
//! in the simulator too.

use glam::Vec3;

/// Distance along the ray `origin + t * dir` (in units of `dir`'s length,
/// metres for a unit `dir`) to triangle `a b c`, either side facing, or
/// `None` when it misses or the hit lies before `t_min`.
///
/// Möller–Trumbore. A ray parallel to the triangle's plane misses.
#[inline]
pub fn ray_triangle(origin: Vec3, dir: Vec3, a: Vec3, b: Vec3, c: Vec3, t_min: f32) -> Option<f32> {
    let e1 = b - a;
    let e2 = c - a;
    let p = dir.cross(e2);
    let det = e1.dot(p);
    if det.abs() < 1e-12 {
        return None;
    }
    let inv = 1.0 / det;
    let s = origin - a;
    let u = s.dot(p) * inv;
    if !(0.0..=1.0).contains(&u) {
        return None;
    }
    let q = s.cross(e1);
    let v = dir.dot(q) * inv;
    if v < 0.0 || u + v > 1.0 {
        return None;
    }
    let t = e2.dot(q) * inv;
    (t >= t_min).then_some(t)
}

/// Entry distance of the ray `origin + t * dir` into the axis-aligned box
/// `lo..hi` (0 when the origin is inside), or `None` when it misses.
/// `inv_dir` is `1 / dir` per axis (infinite on axes where `dir` is 0), so
/// many boxes can share one division.
#[inline]
pub fn ray_aabb(origin: Vec3, inv_dir: Vec3, lo: Vec3, hi: Vec3) -> Option<f32> {
    let t0 = (lo - origin) * inv_dir;
    let t1 = (hi - origin) * inv_dir;
    let enter = t0.min(t1).max_element().max(0.0);
    let exit = t0.max(t1).min_element();
    (exit >= enter).then_some(enter)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Vec3 = Vec3::new(0.0, 0.0, 0.0);
    const B: Vec3 = Vec3::new(1.0, 0.0, 0.0);
    const C: Vec3 = Vec3::new(0.0, 0.0, 1.0);

    #[test]
    fn hits_a_triangle_from_either_side() {
        let down = ray_triangle(Vec3::new(0.2, 5.0, 0.2), Vec3::NEG_Y, A, B, C, 0.0);
        assert_eq!(down, Some(5.0));
        let up = ray_triangle(Vec3::new(0.2, -2.0, 0.2), Vec3::Y, A, B, C, 0.0);
        assert_eq!(up, Some(2.0));
    }

    #[test]
    fn misses_outside_parallel_and_behind() {
        let o = Vec3::new(0.8, 5.0, 0.8); // beyond the hypotenuse
        assert_eq!(ray_triangle(o, Vec3::NEG_Y, A, B, C, 0.0), None);
        let flat = ray_triangle(Vec3::new(-1.0, 0.0, 0.2), Vec3::X, A, B, C, 0.0);
        assert_eq!(flat, None);
        let behind = ray_triangle(Vec3::new(0.2, 5.0, 0.2), Vec3::Y, A, B, C, 0.0);
        assert_eq!(behind, None);
        let too_near = ray_triangle(Vec3::new(0.2, 1e-5, 0.2), Vec3::NEG_Y, A, B, C, 1e-4);
        assert_eq!(too_near, None);
    }

    #[test]
    fn boxes_entered_from_outside_and_inside() {
        let (lo, hi) = (Vec3::splat(-1.0), Vec3::splat(1.0));
        let dir = Vec3::X;
        let o = Vec3::new(-5.0, 0.0, 0.0);
        assert_eq!(ray_aabb(o, dir.recip(), lo, hi), Some(4.0));
        assert_eq!(ray_aabb(Vec3::ZERO, dir.recip(), lo, hi), Some(0.0));
        let above = Vec3::new(-5.0, 2.0, 0.0);
        assert_eq!(ray_aabb(above, dir.recip(), lo, hi), None);
        assert_eq!(ray_aabb(o, Vec3::NEG_X.recip(), lo, hi), None);
    }
}
