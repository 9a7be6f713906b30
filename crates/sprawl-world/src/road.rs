//! The road graph of one chunk: nodes, directed lanes, continuous across chunk edges.
//!
//! Roads that leave a chunk end in a *boundary node* that lies exactly on the
//! chunk edge; the neighbour chunk has a boundary node at the bit-identical
//! position, so graphs of adjacent chunks stitch by position.

use serde::{Deserialize, Serialize};

/// Importance of a road; sets width, lanes and speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoadClass {
    /// Multi-lane through road.
    Arterial,
    /// Two-lane local street.
    Local,
}

impl RoadClass {
    /// Lanes in each direction.
    pub fn lanes_per_direction(self) -> u8 {
        match self {
            Self::Arterial => 2,
            Self::Local => 1,
        }
    }
    /// Lane width in metres.
    pub fn lane_width(self) -> f32 {
        3.5
    }
    /// Carriageway width in metres (both directions).
    pub fn width(self) -> f32 {
        self.lane_width() * 2.0 * f32::from(self.lanes_per_direction())
    }
    /// Speed limit in metres per second.
    pub fn speed_limit(self) -> f32 {
        match self {
            Self::Arterial => 50.0 / 3.6,
            Self::Local => 30.0 / 3.6,
        }
    }
}

/// A road graph node: an intersection, a bend, a dead end or a chunk-boundary crossing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RoadNode {
    /// World position (metres); `y` is the road surface height.
    pub position: [f32; 3],
    /// Whether the node lies on this chunk's edge (a road continues in the neighbour).
    pub boundary: bool,
}

/// Offset (metres, to the right of the direction of travel, from the
/// carriageway's centre line) of the centre of lane `k` among `this`
/// lanes running one way, with `opposite` lanes running the other.
///
/// Traffic drives on the right, so lane 0 is the one next to the opposing
/// traffic; on a two-way street the lanes start at the centre line, on a
/// one-way street (`opposite == 0`) they fill the carriageway from its left
/// kerb. Every user of lane geometry (the simulator, the viewer) goes
/// through this one rule.
pub fn lane_offset(lane_width: f32, this: u8, opposite: u8, k: u8) -> f32 {
    debug_assert!(k < this, "lane {k} of {this}: no such lane");
    lane_width * (f32::from(k) + 0.5 + (f32::from(opposite) - f32::from(this)) * 0.5)
}

/// A road segment between two nodes, straight in plan.
///
/// Traffic drives on the right: `lanes_forward` lanes run from `from` to
/// `to`, `lanes_backward` run the other way; a one-way street has no lanes
/// one way. Where the lanes lie across the carriageway is [`lane_offset`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RoadEdge {
    /// Index of the start node.
    pub from: u32,
    /// Index of the end node.
    pub to: u32,
    /// Road class.
    pub class: RoadClass,
    /// Lanes running `from → to`.
    pub lanes_forward: u8,
    /// Lanes running `to → from` (0 for one-way streets).
    pub lanes_backward: u8,
    /// Whether the edge is a bridge deck over water.
    pub bridge: bool,
}

impl RoadEdge {
    /// Carriageway width in metres.
    pub fn width(&self) -> f32 {
        self.class.lane_width() * f32::from(self.lanes_forward + self.lanes_backward)
    }

    /// Whether traffic may use the edge in one direction only.
    pub fn is_one_way(&self) -> bool {
        (self.lanes_forward == 0) != (self.lanes_backward == 0)
    }
}

/// The road graph of one chunk.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RoadGraph {
    /// Nodes; edges refer to them by index.
    pub nodes: Vec<RoadNode>,
    /// Edges.
    pub edges: Vec<RoadEdge>,
}

impl RoadGraph {
    /// Total centreline length in metres.
    pub fn length(&self) -> f32 {
        self.edges
            .iter()
            .map(|e| {
                let a = self.nodes[e.from as usize].position;
                let b = self.nodes[e.to as usize].position;
                ((a[0] - b[0]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
            })
            .sum()
    }

    /// Boundary nodes with the class and lane counts of the edge that reaches them.
    pub fn boundary_ports(&self) -> Vec<([f32; 3], RoadClass, u8)> {
        let mut out = Vec::new();
        for e in &self.edges {
            for n in [e.from, e.to] {
                let node = self.nodes[n as usize];
                if node.boundary {
                    out.push((node.position, e.class, e.lanes_forward + e.lanes_backward));
                }
            }
        }
        out
    }

    /// Centre points of every lane of edge `i`, from its start to its end in
    /// driving direction, as `(start, end)` pairs in metres (ground plane).
    pub fn lanes(&self, i: usize) -> Vec<([f32; 3], [f32; 3])> {
        let e = self.edges[i];
        let a = self.nodes[e.from as usize].position;
        let b = self.nodes[e.to as usize].position;
        let (dx, dz) = (b[0] - a[0], b[2] - a[2]);
        let len = (dx * dx + dz * dz).sqrt().max(1e-6);
        // Right-hand normal of the direction a→b in a Y-up right-handed frame.
        let (rx, rz) = (-dz / len, dx / len);
        let w = e.class.lane_width();
        let (fwd, bwd) = (e.lanes_forward, e.lanes_backward);
        let mut out = Vec::new();
        for k in 0..fwd {
            let off = lane_offset(w, fwd, bwd, k);
            out.push((
                [a[0] + rx * off, a[1], a[2] + rz * off],
                [b[0] + rx * off, b[1], b[2] + rz * off],
            ));
        }
        for k in 0..bwd {
            // Right of b→a is left of a→b.
            let off = -lane_offset(w, bwd, fwd, k);
            out.push((
                [b[0] + rx * off, b[1], b[2] + rz * off],
                [a[0] + rx * off, a[1], a[2] + rz * off],
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A graph of one east-running edge, 100 m long, with the given lanes.
    fn east(class: RoadClass, fwd: u8, bwd: u8) -> RoadGraph {
        let node = |x: f32| RoadNode {
            position: [x, 0.0, 0.0],
            boundary: false,
        };
        RoadGraph {
            nodes: vec![node(0.0), node(100.0)],
            edges: vec![RoadEdge {
                from: 0,
                to: 1,
                class,
                lanes_forward: fwd,
                lanes_backward: bwd,
                bridge: false,
            }],
        }
    }

    #[test]
    fn two_way_lanes_keep_right_of_the_centre_line() {
        let g = east(RoadClass::Arterial, 2, 2);
        let lanes = g.lanes(0);
        assert_eq!(lanes.len(), 4);
        // Eastbound, right of the line is +z (south); westbound north of it.
        let z: Vec<f32> = lanes.iter().map(|(a, _)| a[2]).collect();
        assert_eq!(z, vec![1.75, 5.25, -1.75, -5.25]);
        assert!(lanes[..2].iter().all(|(a, b)| a[0] == 0.0 && b[0] == 100.0));
        assert!(lanes[2..].iter().all(|(a, b)| a[0] == 100.0 && b[0] == 0.0));
        assert!(!g.edges[0].is_one_way());
    }

    #[test]
    fn one_way_lanes_fill_the_carriageway() {
        for (fwd, bwd) in [(2, 0), (0, 2)] {
            let g = east(RoadClass::Local, fwd, bwd);
            let e = g.edges[0];
            assert!(e.is_one_way());
            let lanes = g.lanes(0);
            let mut z: Vec<f32> = lanes.iter().map(|(a, _)| a[2]).collect();
            z.sort_by(f32::total_cmp);
            // Centred on the road line, within its 7 m carriageway.
            assert_eq!(z, vec![-1.75, 1.75], "{fwd}/{bwd}");
            assert!(z.iter().all(|z| z.abs() + 1.75 <= e.width() / 2.0));
            // All lanes run the one way.
            let east = lanes.iter().all(|(a, b)| b[0] > a[0]);
            assert_eq!(east, fwd > 0);
        }
    }

    #[test]
    fn lane_offsets_of_asymmetric_roads_stay_on_the_carriageway() {
        for this in 0..4u8 {
            for opposite in 0..4u8 {
                let width = 3.5 * f32::from(this + opposite);
                for k in 0..this {
                    let off = lane_offset(3.5, this, opposite, k);
                    assert!(
                        off.abs() + 1.75 <= width / 2.0 + 1e-4,
                        "{this}/{opposite}/{k}"
                    );
                }
            }
        }
    }
}
