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

/// A road segment between two nodes, straight in plan.
///
/// Traffic drives on the right: `lanes_forward` lanes run from `from` to
/// `to` on the right-hand side of the centreline (seen along that direction),
/// `lanes_backward` run the other way.
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
        let mut out = Vec::new();
        for k in 0..e.lanes_forward {
            let off = w * (f32::from(k) + 0.5);
            out.push((
                [a[0] + rx * off, a[1], a[2] + rz * off],
                [b[0] + rx * off, b[1], b[2] + rz * off],
            ));
        }
        for k in 0..e.lanes_backward {
            let off = -w * (f32::from(k) + 0.5);
            out.push((
                [b[0] + rx * off, b[1], b[2] + rz * off],
                [a[0] + rx * off, a[1], a[2] + rz * off],
            ));
        }
        out
    }
}
