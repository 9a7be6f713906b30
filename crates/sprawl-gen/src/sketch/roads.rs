//! Road tracing: a road-ink mask → a one-pixel skeleton → simplified
//! centreline polylines, split at junctions.
//!
//! Coordinates here are continuous image coordinates in pixels: the image
//! spans `[0, w] × [0, h]` and pixel `(x, y)` has its centre at
//! `(x + 0.5, y + 0.5)`.

use super::legend::Dims;

/// Offsets of the eight ring positions, clockwise from north; bit `k` of a
/// ring mask is position `k`.
const RING: [(i64, i64); 8] = [
    (0, -1),
    (1, -1),
    (1, 0),
    (1, 1),
    (0, 1),
    (-1, 1),
    (-1, 0),
    (-1, -1),
];
/// Ring bits of the four directions the thinning peels from (N, S, E, W).
const PEEL: [u8; 4] = [0, 4, 2, 6];
/// Douglas–Peucker tolerance (pixels).
pub(crate) const SIMPLIFY_TOLERANCE: f32 = 1.0;
/// Shortest spur kept (pixels); spurs shorter than a stroke width also go.
pub(crate) const MIN_SPUR: f32 = 3.0;
const NONE: usize = usize::MAX;

/// Traced roads and a few statistics about them.
pub(crate) struct Traced {
    /// Centrelines in image pixel coordinates.
    pub polylines: Vec<Vec<[f32; 2]>>,
    /// Mean stroke width (ink pixels per skeleton pixel).
    pub stroke_width: f32,
}

fn ring_mask(mask: &[bool], dims: Dims, i: usize) -> u8 {
    let (x, y) = ((i % dims.w) as i64, (i / dims.w) as i64);
    let mut m = 0u8;
    for (k, (dx, dy)) in RING.iter().enumerate() {
        let (nx, ny) = (x + dx, y + dy);
        if nx >= 0
            && ny >= 0
            && (nx as usize) < dims.w
            && (ny as usize) < dims.h
            && mask[ny as usize * dims.w + nx as usize]
        {
            m |= 1 << k;
        }
    }
    m
}

fn ring_index(dims: Dims, i: usize, k: usize) -> Option<usize> {
    let (x, y) = ((i % dims.w) as i64, (i / dims.w) as i64);
    let (nx, ny) = (x + RING[k].0, y + RING[k].1);
    (nx >= 0 && ny >= 0 && (nx as usize) < dims.w && (ny as usize) < dims.h)
        .then(|| ny as usize * dims.w + nx as usize)
}

/// Whether a pixel with ring mask `m` may be deleted without changing the
/// topology (an 8-connected "simple point") and is not a line end.
fn removable(m: u8) -> bool {
    if m.count_ones() < 2 {
        return false;
    }
    let on = |k: usize| m & (1 << (k % 8)) != 0;
    // Foreground components in the ring (8-adjacency: neighbours in the
    // ring, plus even positions two apart, e.g. N and E).
    let mut parent: [usize; 8] = [0, 1, 2, 3, 4, 5, 6, 7];
    fn find(p: &mut [usize; 8], mut a: usize) -> usize {
        while p[a] != a {
            a = p[a];
        }
        a
    }
    for k in 0..8 {
        if !on(k) {
            continue;
        }
        let mut join = |j: usize| {
            if on(j) {
                let (ra, rb) = (find(&mut parent, k), find(&mut parent, j % 8));
                parent[ra] = rb;
            }
        };
        join(k + 1);
        if k % 2 == 0 {
            join(k + 2);
        }
    }
    let fg_components = (0..8)
        .filter(|&k| on(k) && find(&mut parent, k) == k)
        .count();
    // Background 4-components in the ring touching a 4-neighbour: cyclic
    // runs of empty positions that contain an even position.
    let mut bg_runs = 0;
    for k in 0..8 {
        if !on(k) && on(k + 7) {
            // a run starts at k
            let mut j = k;
            let mut touches = false;
            while !on(j) && j < k + 8 {
                touches |= j % 2 == 0;
                j += 1;
            }
            bg_runs += usize::from(touches);
        }
    }
    fg_components == 1 && bg_runs == 1
}

/// Thins `mask` in place to a one-pixel, 8-connected skeleton by
/// sequential directional peeling of simple points (topology preserving:
/// never breaks or joins strokes, never opens loops).
fn thin(mask: &mut [bool], dims: Dims) {
    let table: Vec<bool> = (0..=255u8).map(removable).collect();
    let n = mask.len();
    let mut active: Vec<usize> = (0..n)
        .filter(|&i| mask[i] && ring_mask(mask, dims, i) != 0xFF)
        .collect();
    let mut stamp = vec![0u32; n];
    let mut generation = 0u32;
    let mut deleted = Vec::new();
    let mut cands = Vec::new();
    loop {
        deleted.clear();
        for dir in PEEL {
            cands.clear();
            cands.extend(
                active
                    .iter()
                    .copied()
                    .filter(|&i| mask[i] && ring_mask(mask, dims, i) & (1 << dir) == 0),
            );
            for &i in &cands {
                if table[usize::from(ring_mask(mask, dims, i))] {
                    mask[i] = false;
                    deleted.push(i);
                }
            }
        }
        if deleted.is_empty() {
            break;
        }
        generation += 1;
        let mut next = Vec::with_capacity(active.len());
        let mut consider = |i: usize, next: &mut Vec<usize>| {
            if mask[i] && stamp[i] != generation {
                stamp[i] = generation;
                next.push(i);
            }
        };
        for &i in &active {
            consider(i, &mut next);
        }
        for &i in &deleted {
            for k in 0..8 {
                if let Some(j) = ring_index(dims, i, k) {
                    consider(j, &mut next);
                }
            }
        }
        next.sort_unstable();
        active = next;
    }
}

fn centre(dims: Dims, i: usize) -> [f32; 2] {
    [(i % dims.w) as f32 + 0.5, (i / dims.w) as f32 + 0.5]
}

fn length(pts: &[[f32; 2]]) -> f32 {
    pts.windows(2)
        .map(|w| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]))
        .sum()
}

/// Node id of each skeleton pixel (`NONE` if it is no node), stored
/// compactly.
struct NodeMap(Vec<u32>);

impl NodeMap {
    fn get(&self, i: usize) -> usize {
        match self.0[i] {
            u32::MAX => NONE,
            v => v as usize,
        }
    }

    fn set(&mut self, i: usize, id: usize) {
        // Fewer nodes than pixels, and pixels are at most `MAX_CELLS`.
        self.0[i] = u32::try_from(id).unwrap_or(u32::MAX - 1);
    }
}

/// A traced skeleton branch between two nodes (`NONE` for a closed loop).
struct Edge {
    a: usize,
    b: usize,
    pts: Vec<[f32; 2]>,
}

/// Traces the road-ink mask into centreline polylines.
pub(crate) fn trace_roads(ink: &[bool], dims: Dims) -> Traced {
    let ink_pixels = ink.iter().filter(|&&b| b).count();
    let mut sk = ink.to_vec();
    thin(&mut sk, dims);
    let skeleton_pixels = sk.iter().filter(|&&b| b).count();
    let stroke_width = if skeleton_pixels == 0 {
        0.0
    } else {
        ink_pixels as f32 / skeleton_pixels as f32
    };
    let spur = MIN_SPUR.max(stroke_width);

    let n = sk.len();
    let deg: Vec<u8> = (0..n)
        .map(|i| {
            if sk[i] {
                ring_mask(&sk, dims, i).count_ones() as u8
            } else {
                0
            }
        })
        .collect();
    let nbrs = |i: usize| {
        (0..8)
            .filter_map(move |k| ring_index(dims, i, k))
            .filter(|&j| sk[j])
    };

    // Nodes: line ends, and 8-connected clusters of junction pixels.
    let mut node_of = NodeMap(vec![u32::MAX; n]);
    let mut node_pos: Vec<[f32; 2]> = Vec::new();
    let mut node_is_end: Vec<bool> = Vec::new();
    let mut stack = Vec::new();
    for i in 0..n {
        if !sk[i] || node_of.get(i) != NONE {
            continue;
        }
        if deg[i] == 1 {
            node_of.set(i, node_pos.len());
            node_pos.push(centre(dims, i));
            node_is_end.push(true);
        } else if deg[i] >= 3 {
            let id = node_pos.len();
            let (mut sum, mut count) = ([0.0f64; 2], 0usize);
            node_of.set(i, id);
            stack.push(i);
            while let Some(p) = stack.pop() {
                let c = centre(dims, p);
                sum[0] += f64::from(c[0]);
                sum[1] += f64::from(c[1]);
                count += 1;
                for q in nbrs(p) {
                    if deg[q] >= 3 && node_of.get(q) == NONE {
                        node_of.set(q, id);
                        stack.push(q);
                    }
                }
            }
            node_pos.push([
                (sum[0] / count as f64) as f32,
                (sum[1] / count as f64) as f32,
            ]);
            node_is_end.push(false);
        }
    }

    // Edges between nodes, then closed loops without nodes.
    let mut visited = vec![false; n];
    let mut edges: Vec<Edge> = Vec::new();
    for p in 0..n {
        if node_of.get(p) == NONE {
            continue;
        }
        for q in nbrs(p).collect::<Vec<_>>() {
            if node_of.get(q) != NONE {
                if node_of.get(q) != node_of.get(p) && p < q {
                    edges.push(Edge {
                        a: node_of.get(p),
                        b: node_of.get(q),
                        pts: vec![node_pos[node_of.get(p)], node_pos[node_of.get(q)]],
                    });
                }
                continue;
            }
            if visited[q] {
                continue;
            }
            visited[q] = true;
            let mut pts = vec![node_pos[node_of.get(p)], centre(dims, q)];
            let (mut prev, mut cur) = (p, q);
            let mut end = NONE;
            while let Some(next) = nbrs(cur).find(|&j| j != prev) {
                if node_of.get(next) != NONE {
                    pts.push(node_pos[node_of.get(next)]);
                    end = node_of.get(next);
                    break;
                }
                if visited[next] {
                    break;
                }
                visited[next] = true;
                pts.push(centre(dims, next));
                (prev, cur) = (cur, next);
            }
            if end == NONE {
                // Unexpected dead end: treat its last pixel as a line end.
                end = node_pos.len();
                node_pos.push(*pts.last().unwrap_or(&node_pos[node_of.get(p)]));
                node_is_end.push(true);
            }
            edges.push(Edge {
                a: node_of.get(p),
                b: end,
                pts,
            });
        }
    }
    for s in 0..n {
        if !sk[s] || visited[s] || deg[s] != 2 {
            continue;
        }
        visited[s] = true;
        let mut pts = vec![centre(dims, s)];
        let Some(first) = nbrs(s).next() else {
            continue;
        };
        let (mut prev, mut cur) = (s, first);
        loop {
            if cur == s {
                pts.push(centre(dims, s));
                break;
            }
            if visited[cur] {
                break;
            }
            visited[cur] = true;
            pts.push(centre(dims, cur));
            let Some(next) = nbrs(cur).find(|&j| j != prev) else {
                break;
            };
            (prev, cur) = (cur, next);
        }
        edges.push(Edge {
            a: NONE,
            b: NONE,
            pts,
        });
    }

    // Drop spurs, specks and tiny loops.
    let is_end = |v: usize| v != NONE && node_is_end[v];
    let mut live: Vec<Option<Edge>> = edges
        .into_iter()
        .map(|e| {
            let len = length(&e.pts);
            let short = if e.a == e.b {
                len < 2.0 * spur
            } else if is_end(e.a) || is_end(e.b) {
                len < spur
            } else {
                len == 0.0
            };
            (!short).then_some(e)
        })
        .collect();

    // Join pairs of branches that meet at a junction with no third branch.
    let mut inc: Vec<Vec<usize>> = vec![Vec::new(); node_pos.len()];
    for (id, e) in live.iter().enumerate() {
        if let Some(e) = e
            && e.a != NONE
        {
            inc[e.a].push(id);
            inc[e.b].push(id);
        }
    }
    for v in 0..node_pos.len() {
        if node_is_end[v] || inc[v].len() != 2 || inc[v][0] == inc[v][1] {
            continue;
        }
        let (i1, i2) = (inc[v][0], inc[v][1]);
        let (Some(mut e1), Some(mut e2)) = (live[i1].take(), live[i2].take()) else {
            continue;
        };
        if e1.b != v {
            e1.pts.reverse();
            std::mem::swap(&mut e1.a, &mut e1.b);
        }
        if e2.a != v {
            e2.pts.reverse();
            std::mem::swap(&mut e2.a, &mut e2.b);
        }
        e1.pts.extend_from_slice(&e2.pts[1..]);
        let joined = Edge {
            a: e1.a,
            b: e2.b,
            pts: e1.pts,
        };
        let id = live.len();
        for (end, old) in [(joined.a, i1), (joined.b, i2)] {
            for slot in inc[end].iter_mut() {
                if *slot == old || *slot == i1 || *slot == i2 {
                    *slot = id;
                    break;
                }
            }
        }
        inc[v].clear();
        live.push(Some(joined));
    }

    // Extend loose ends that stop just short of the sketch edge to it, then simplify.
    let reach = spur.max(2.0) + 0.5;
    let (w, h) = (dims.w as f32, dims.h as f32);
    let snap = |p: &mut [f32; 2]| {
        let d = [p[0], w - p[0], p[1], h - p[1]];
        let (k, &m) = d
            .iter()
            .enumerate()
            .fold((0, &f32::MAX), |b, (k, v)| if v < b.1 { (k, v) } else { b });
        if m <= reach {
            match k {
                0 => p[0] = 0.0,
                1 => p[0] = w,
                2 => p[1] = 0.0,
                _ => p[1] = h,
            }
        }
    };
    let mut polylines = Vec::new();
    for e in live.into_iter().flatten() {
        let mut pts = simplify(&e.pts, SIMPLIFY_TOLERANCE);
        if is_end(e.a)
            && let Some(p) = pts.first_mut()
        {
            snap(p);
        }
        if is_end(e.b)
            && let Some(p) = pts.last_mut()
        {
            snap(p);
        }
        if pts.len() >= 2 && length(&pts) > 0.0 {
            polylines.push(pts);
        }
    }
    Traced {
        polylines,
        stroke_width,
    }
}

fn segment_distance(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p[0] - a[0] - t * dx).hypot(p[1] - a[1] - t * dy)
}

/// Douglas–Peucker simplification (iterative, keeps both ends).
pub(crate) fn simplify(pts: &[[f32; 2]], eps: f32) -> Vec<[f32; 2]> {
    if pts.len() <= 2 {
        return pts.to_vec();
    }
    let mut keep = vec![false; pts.len()];
    keep[0] = true;
    keep[pts.len() - 1] = true;
    let mut stack = vec![(0, pts.len() - 1)];
    while let Some((s, e)) = stack.pop() {
        if e <= s + 1 {
            continue;
        }
        let (mut best, mut dmax) = (s, -1.0f32);
        for (k, p) in pts.iter().enumerate().take(e).skip(s + 1) {
            let d = segment_distance(*p, pts[s], pts[e]);
            if d > dmax {
                (best, dmax) = (k, d);
            }
        }
        if dmax > eps {
            keep[best] = true;
            stack.push((s, best));
            stack.push((best, e));
        }
    }
    pts.iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| *p)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(rows: &[&str]) -> (Vec<bool>, Dims) {
        let dims = Dims {
            w: rows[0].len(),
            h: rows.len(),
        };
        (
            rows.iter()
                .flat_map(|r| r.bytes().map(|b| b == b'#'))
                .collect(),
            dims,
        )
    }

    #[test]
    fn simple_points() {
        assert!(!removable(0b0000_0001), "line end");
        assert!(!removable(0b0100_0100), "middle of a horizontal line");
        assert!(removable(0b0001_1100), "edge of a thick stroke");
        assert!(!removable(0b0101_0101), "centre of a plus");
        assert!(!removable(0b1010_1010), "centre of an X");
    }

    #[test]
    fn thick_line_thins_to_one_polyline() {
        let w = 40;
        let mut m = vec![false; w * 12];
        for y in 4..8 {
            for x in 5..35 {
                m[y * w + x] = true;
            }
        }
        let t = trace_roads(&m, Dims { w, h: 12 });
        assert_eq!(t.polylines.len(), 1, "{:?}", t.polylines);
        let line = &t.polylines[0];
        assert_eq!(line.len(), 2, "{line:?}");
        assert!(length(line) > 25.0);
        assert!((t.stroke_width - 4.0).abs() < 1.5, "{}", t.stroke_width);
    }

    #[test]
    fn plus_splits_at_junction() {
        let n = 41;
        let mut m = vec![false; n * n];
        for i in 3..38 {
            for t in 19..22 {
                m[t * n + i] = true;
                m[i * n + t] = true;
            }
        }
        let t = trace_roads(&m, Dims { w: n, h: n });
        assert_eq!(t.polylines.len(), 4, "{:?}", t.polylines);
        // All four arms share the junction point.
        let hub: Vec<[f32; 2]> = t
            .polylines
            .iter()
            .map(|l| {
                if (l[0][0] - 20.5).abs() < 2.0 && (l[0][1] - 20.5).abs() < 2.0 {
                    l[0]
                } else {
                    l[l.len() - 1]
                }
            })
            .collect();
        assert!(hub.windows(2).all(|w| w[0] == w[1]), "{hub:?}");
    }

    #[test]
    fn ring_is_one_closed_loop() {
        let (m, dims) = mask(&[
            "..............",
            "...########...",
            "..##......##..",
            "..#........#..",
            "..#........#..",
            "..#........#..",
            "..##......##..",
            "...########...",
            "..............",
        ]);
        let t = trace_roads(&m, dims);
        assert_eq!(t.polylines.len(), 1, "{:?}", t.polylines);
        let l = &t.polylines[0];
        assert_eq!(l.first(), l.last());
    }

    #[test]
    fn douglas_peucker() {
        let pts: Vec<[f32; 2]> = (0..20).map(|i| [i as f32, (i % 2) as f32 * 0.5]).collect();
        assert_eq!(simplify(&pts, 1.0).len(), 2);
        let corner = [
            [0.0, 0.0],
            [5.0, 0.0],
            [10.0, 0.0],
            [10.0, 5.0],
            [10.0, 10.0],
        ];
        assert_eq!(
            simplify(&corner, 1.0),
            vec![[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]]
        );
    }
}
