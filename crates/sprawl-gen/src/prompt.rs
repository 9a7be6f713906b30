//! Prompt interpreter: free English text → [`WorldSpec`], deterministic,
//! with no model and no network.
//!
//! The text is split into words and clauses, matched against a fixed
//! vocabulary (longest phrase first, case-insensitive, punctuation- and
//! hyphen-tolerant), and each recognised phrase edits a copy of the base
//! spec. Modifiers reach the next phrase in the same clause: negations
//! ("no river", "without parks"), intensities ("very dense", "slightly
//! hilly"), colours ("red roofs", "white-walled") and places ("hills to the
//! north", "east coast"). Every change is reported in
//! [`Interpretation::understood`], and words that meant nothing to the
//! interpreter in [`Interpretation::unused`].
//!
//! ```
//! use sprawl_gen::prompt::interpret_prompt;
//! use sprawl_world::{Season, WorldSpec};
//! let base = WorldSpec::default();
//! let i = interpret_prompt("dense downtown by a river, autumn evening", &base).unwrap();
//! assert!(i.spec.water.river_width.is_some());
//! assert_eq!(i.spec.look.season, Season::Autumn);
//! assert_eq!(i.spec.seed, base.seed);
//! println!("{i}");
//! ```

mod ctx;
mod lexicon;
mod tokens;

use ctx::{Ctx, Place, Rgb};
use lexicon::{Args, LEXICON, Role};
use serde::{Deserialize, Serialize};
use sprawl_world::{DistrictKind, SpecError, WorldSpec};
use std::collections::BTreeSet;
use std::fmt;
use tokens::{TokKind, Token};

/// Most characters a prompt may have.
pub const MAX_PROMPT_CHARS: usize = 2000;
/// Most whitespace-separated words a prompt may have.
pub const MAX_PROMPT_WORDS: usize = 300;

/// One phrase the interpreter understood and what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Understood {
    /// The phrase, lowercased, with its modifiers (e.g. `"hills to the north"`).
    pub phrase: String,
    /// What it changed (e.g. `"terrain hilly, relief 60 m, hills to the north"`).
    pub effect: String,
}

impl fmt::Display for Understood {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\" → {}", self.phrase, self.effect)
    }
}

/// The result of interpreting a prompt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interpretation {
    /// The base spec with the prompt applied; always passes
    /// [`WorldSpec::validate`]. Its seed is the base's.
    pub spec: WorldSpec,
    /// Recognised phrases and their effects, in prompt order.
    pub understood: Vec<Understood>,
    /// Meaningful words that were not used (stop words are left out), in
    /// prompt order, without repeats.
    pub unused: Vec<String>,
}

impl Interpretation {
    /// A multi-line summary of what was understood and what was not, for
    /// showing to a user (the same text as `Display`).
    pub fn summary(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Interpretation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.understood.is_empty() {
            writeln!(f, "Understood nothing; the base spec is unchanged.")?;
        } else {
            writeln!(f, "Understood:")?;
            for u in &self.understood {
                writeln!(f, "  {u}")?;
            }
        }
        if self.unused.is_empty() {
            write!(f, "Unused words: none")
        } else {
            write!(f, "Unused words: {}", self.unused.join(", "))
        }
    }
}

/// Why a prompt could not be interpreted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PromptError {
    /// The prompt is empty or only whitespace.
    #[error(
        "the prompt is empty; describe a city, e.g. \"dense downtown by a river, autumn evening\""
    )]
    Blank,
    /// The prompt has too many characters.
    #[error("the prompt is {len} characters long; at most {max} are allowed")]
    TooLong {
        /// Characters in the (trimmed) prompt.
        len: usize,
        /// Most allowed.
        max: usize,
    },
    /// The prompt has too many words.
    #[error("the prompt has {words} words; at most {max} are allowed")]
    TooManyWords {
        /// Words in the prompt.
        words: usize,
        /// Most allowed.
        max: usize,
    },
    /// The prompt contains a control character (other than tab and new line).
    #[error(
        "the prompt contains control character U+{code:04X} at character {position}; remove it"
    )]
    ControlCharacter {
        /// The character's code point.
        code: u32,
        /// Its index (in characters) in the trimmed prompt.
        position: usize,
    },
    /// The base spec cannot be made valid (e.g. it is from a newer Sprawl).
    #[error("the base spec is unusable: {0}")]
    InvalidBase(#[from] SpecError),
}

/// Interprets `text` as a description of a city, applied on top of `base`.
///
/// Deterministic: the same text and base give the same result. The
/// returned spec's `prompt` is the trimmed text and its seed is the base's;
/// out-of-range values in `base` are clamped.
pub fn interpret_prompt(text: &str, base: &WorldSpec) -> Result<Interpretation, PromptError> {
    let text = check(text)?;
    let tokens = tokens::tokenize(text);
    let mut nodes = parse(&tokens);
    attach_colours(&mut nodes);
    attach_places(&mut nodes, &tokens);
    apply_modifiers(&mut nodes, &tokens);

    let mut base = base.clone();
    sanitize(&mut base);
    let base_districts = base.districts;
    let mut ctx = Ctx::new(base);
    let (understood, unused_toks) = apply(&nodes, &tokens, &mut ctx);

    let districts_touched = ctx.districts_touched;
    let mut spec = ctx.spec;
    if districts_touched {
        let total = spec.districts.total();
        if total.is_finite() && total > 0.0 {
            for k in DistrictKind::ALL {
                *spec.districts.weight_mut(k) /= total;
            }
        } else {
            spec.districts = base_districts;
        }
    }
    spec.prompt = Some(text.to_string());
    sanitize(&mut spec);
    spec.validate()?;

    let mut unused: Vec<String> = Vec::new();
    for &t in &unused_toks {
        let tok = &tokens[t];
        let number_word =
            matches!(tok.kind, TokKind::Num(_)) && tok.text.starts_with(char::is_alphabetic);
        if !tok.stop && !number_word && !unused.contains(&tok.text) {
            unused.push(tok.text.clone());
        }
    }
    Ok(Interpretation {
        spec,
        understood,
        unused,
    })
}

/// Trims `text` and checks it is usable.
fn check(text: &str) -> Result<&str, PromptError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(PromptError::Blank);
    }
    let len = text.chars().count();
    if len > MAX_PROMPT_CHARS {
        return Err(PromptError::TooLong {
            len,
            max: MAX_PROMPT_CHARS,
        });
    }
    if let Some((position, c)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(PromptError::ControlCharacter {
            code: c as u32,
            position,
        });
    }
    let words = text.split_whitespace().count();
    if words > MAX_PROMPT_WORDS {
        return Err(PromptError::TooManyWords {
            words,
            max: MAX_PROMPT_WORDS,
        });
    }
    Ok(text)
}

/// Runs the actions of `nodes` in order; returns what was understood and
/// the raw tokens that were not used.
fn apply(nodes: &[Node], tokens: &[Token], ctx: &mut Ctx) -> (Vec<Understood>, BTreeSet<usize>) {
    let mut understood: Vec<Understood> = Vec::new();
    let mut owns: Vec<BTreeSet<usize>> = Vec::new();
    let mut last: Option<(usize, usize)> = None;
    let mut unused_toks = BTreeSet::new();
    for i in 0..nodes.len() {
        let node = &nodes[i];
        let effects = match node.kind {
            NodeKind::Concept(e) => {
                let Role::Concept(concept) = &LEXICON.entries[e].role else {
                    continue;
                };
                let colours: Vec<(Rgb, &str)> = node
                    .colours
                    .iter()
                    .filter_map(|&c| colour_of(&nodes[c]))
                    .collect();
                let act = if node.negated.is_some() {
                    concept.neg
                } else {
                    Some(concept.act)
                };
                let Some(act) = act else {
                    unused_toks.extend(node.toks.iter().copied());
                    for &c in &node.colours {
                        unused_toks.extend(nodes[c].toks.iter().copied());
                    }
                    continue;
                };
                let args = Args {
                    coloured: !colours.is_empty(),
                    ..node.args.clone()
                };
                ctx.strength = node.strength * node.negated.unwrap_or(1.0);
                act(ctx, &args);
                ctx.strength = 1.0;
                if let (Some(target), false) =
                    (concept.paints, colours.is_empty() || node.negated.is_some())
                {
                    let rgbs: Vec<Rgb> = colours.iter().map(|(c, _)| *c).collect();
                    let names: Vec<&str> = colours.iter().map(|(_, n)| *n).collect();
                    ctx.paint(target, &rgbs, &names.join("/"));
                }
                ctx.take_effects()
            }
            // "blue doors": the colour describes something unknown.
            NodeKind::Colour(_)
                if !node.used
                    && nodes.get(i + 1).is_some_and(|n| {
                        n.kind == NodeKind::Unknown && n.clause == node.clause
                    }) =>
            {
                Vec::new()
            }
            NodeKind::Colour(e) if !node.used => {
                if let Role::Colour(colour) = &LEXICON.entries[e].role {
                    ctx.paint(colour.fallback, &[colour.rgb], colour.name);
                }
                ctx.take_effects()
            }
            NodeKind::Place(_) | NodeKind::Unknown if !node.used => Vec::new(),
            _ => continue,
        };
        let own = node_tokens(nodes, i);
        let bare_material =
            node.concept().is_some_and(|c| c.paints.is_some()) && node.negated.is_none();
        match last {
            // "sandstone walls": the bare noun joins the material's phrase.
            Some((prev, u))
                if effects.is_empty()
                    && bare_material
                    && prev + 1 == i
                    && nodes[prev].clause == node.clause =>
            {
                owns[u].extend(own);
                understood[u].phrase = phrase(tokens, &owns[u]);
            }
            _ if effects.is_empty() => unused_toks.extend(own),
            _ => {
                last = Some((i, understood.len()));
                understood.push(Understood {
                    phrase: phrase(tokens, &own),
                    effect: effects.join(", "),
                });
                owns.push(own);
            }
        }
    }
    (understood, unused_toks)
}

// ---- parsing -------------------------------------------------------------

/// What a matched run of words is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum NodeKind {
    /// A concept entry.
    Concept(usize),
    /// A colour entry.
    Colour(usize),
    /// A place.
    Place(Place),
    /// A negation of the given strength.
    Negate(f32),
    /// An intensity factor.
    Intensity(f32),
    /// A word not in the vocabulary.
    Unknown,
}

/// A matched run of words and what attached to it.
#[derive(Debug, Clone)]
struct Node {
    kind: NodeKind,
    /// Raw token indices of the matched words.
    toks: Vec<usize>,
    clause: u32,
    args: Args,
    /// Negation strength, for a negated concept.
    negated: Option<f32>,
    /// Intensity, for a concept.
    strength: f32,
    /// Colour nodes attached to a concept.
    colours: Vec<usize>,
    /// Raw tokens of modifiers and places attached to a concept.
    extra: Vec<usize>,
    /// For modifiers, colours and places: attached to a concept.
    used: bool,
}

impl Node {
    fn new(kind: NodeKind, toks: Vec<usize>, clause: u32) -> Self {
        Self {
            kind,
            toks,
            clause,
            args: Args::default(),
            negated: None,
            strength: 1.0,
            colours: Vec::new(),
            extra: Vec::new(),
            used: false,
        }
    }

    fn concept(&self) -> Option<&'static lexicon::Concept> {
        match self.kind {
            NodeKind::Concept(e) => match &LEXICON.entries[e].role {
                Role::Concept(c) => Some(c),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Matches the content words of `tokens` against the vocabulary.
fn parse(tokens: &[Token]) -> Vec<Node> {
    let content: Vec<usize> = (0..tokens.len()).filter(|&i| !tokens[i].stop).collect();
    let mut nodes = Vec::new();
    let mut k = 0;
    while k < content.len() {
        let clause = tokens[content[k]].clause;
        let end = content[k..]
            .iter()
            .position(|&i| tokens[i].clause != clause)
            .map_or(content.len(), |p| k + p);
        let window: Vec<&Token> = content[k..end.min(k + LEXICON.max_len)]
            .iter()
            .map(|&i| &tokens[i])
            .collect();
        let found = LEXICON
            .longest_match(&window)
            .map(|(p, len)| (LEXICON.patterns[p].entry, len))
            .or_else(|| {
                let t = window[0];
                (t.kind == TokKind::Word)
                    .then(|| LEXICON.singular_match(&t.text))
                    .flatten()
                    .map(|p| (LEXICON.patterns[p].entry, 1))
            });
        let Some((entry, len)) = found else {
            nodes.push(Node::new(NodeKind::Unknown, vec![content[k]], clause));
            k += 1;
            continue;
        };
        let toks = content[k..k + len].to_vec();
        let after_a = toks[0] > 0 && tokens[toks[0] - 1].text == "a";
        let kind = match &LEXICON.entries[entry].role {
            Role::Concept(_) => NodeKind::Concept(entry),
            Role::Colour(_) => NodeKind::Colour(entry),
            Role::Place(p) => NodeKind::Place(*p),
            // "a few trees" is some trees; "few trees" is not many.
            Role::Negate(s) if *s < 1.0 && after_a => NodeKind::Intensity(0.6),
            Role::Negate(s) => NodeKind::Negate(*s),
            Role::Intensity(s) => NodeKind::Intensity(*s),
        };
        let mut node = Node::new(kind, toks, clause);
        for &t in &node.toks {
            match tokens[t].kind {
                TokKind::Num(v) => node.args.numbers.push(v),
                TokKind::Clock(h) => node.args.clock = Some(h),
                TokKind::Word => {}
            }
        }
        nodes.push(node);
        k += len;
    }
    nodes
}

/// Indices of the nodes after `i` in the same clause.
fn after(nodes: &[Node], i: usize) -> impl Iterator<Item = usize> + '_ {
    let clause = nodes[i].clause;
    (i + 1..nodes.len()).take_while(move |&j| nodes[j].clause == clause)
}

/// Indices of the nodes before `i` in the same clause, nearest first.
fn before(nodes: &[Node], i: usize) -> impl Iterator<Item = usize> + '_ {
    let clause = nodes[i].clause;
    (0..i).rev().take_while(move |&j| nodes[j].clause == clause)
}

/// Gives each colour to the next material in its clause ("red roofs").
fn attach_colours(nodes: &mut [Node]) {
    for i in 0..nodes.len() {
        if !matches!(nodes[i].kind, NodeKind::Colour(_)) {
            continue;
        }
        let target =
            after(nodes, i).find(|&j| nodes[j].concept().is_some_and(|c| c.paints.is_some()));
        if let Some(j) = target {
            nodes[j].colours.push(i);
            nodes[i].used = true;
        }
    }
}

/// Whether the place word at raw token `t` follows its noun: "hills *to the*
/// north", "hills north *of* the river".
fn is_postposed(tokens: &[Token], t: usize) -> bool {
    const PREPS: &[&str] = &[
        "to", "towards", "toward", "in", "on", "at", "from", "facing", "of", "up", "down",
    ];
    let text = |i: Option<usize>| {
        i.and_then(|i| tokens.get(i))
            .map_or("", |t| t.text.as_str())
    };
    let prev = text(t.checked_sub(1));
    let prev2 = text(t.checked_sub(2));
    PREPS.contains(&prev) || (prev == "the" && PREPS.contains(&prev2)) || text(Some(t + 1)) == "of"
}

/// Gives each place to the concept it describes in its clause.
fn attach_places(nodes: &mut [Node], tokens: &[Token]) {
    for i in 0..nodes.len() {
        let NodeKind::Place(p) = nodes[i].kind else {
            continue;
        };
        // The nearest concept that takes places and has none yet; if it
        // cannot take this one, the place is left unused.
        let free = |j: &usize| {
            let n = &nodes[*j];
            n.args.place.is_none() && n.concept().is_some_and(|c| !c.places.is_empty())
        };
        let takes = |j: usize| nodes[j].concept().is_some_and(|c| c.places.contains(&p));
        let back = before(nodes, i).find(free).filter(|&j| takes(j));
        let fwd = after(nodes, i).find(free).filter(|&j| takes(j));
        let pick = if is_postposed(tokens, nodes[i].toks[0]) {
            back.or(fwd)
        } else {
            fwd.or(back)
        };
        if let Some(j) = pick {
            let toks = nodes[i].toks.clone();
            nodes[j].args.place = Some(p);
            nodes[j].extra.extend(toks);
            nodes[i].used = true;
        }
    }
}

/// Applies negations and intensities to the next concept in their clause.
/// A negation carries on across "or"/"nor" ("no parks or trees") and is
/// dropped at "but"/"with".
fn apply_modifiers(nodes: &mut [Node], tokens: &[Token]) {
    let mut negation: Option<(f32, Vec<usize>)> = None;
    let mut intensity: Option<(f32, Vec<usize>)> = None;
    let mut carry: Option<f32> = None;
    let mut clause = None;
    let mut last_tok: Option<usize> = None;
    for node in nodes.iter_mut() {
        if clause != Some(node.clause) {
            (negation, intensity, carry) = (None, None, None);
            clause = Some(node.clause);
            last_tok = None;
        }
        let first = node.toks[0];
        if let Some(last) = last_tok {
            let between = || {
                tokens
                    .get(last + 1..first)
                    .unwrap_or(&[])
                    .iter()
                    .map(|t| t.text.as_str())
            };
            if between().any(|w| {
                matches!(
                    w,
                    "but" | "with" | "yet" | "though" | "although" | "however"
                )
            }) {
                negation = None;
                carry = None;
            } else if let Some(s) = carry
                && negation.is_none()
                && between().any(|w| matches!(w, "or" | "nor"))
            {
                negation = Some((s, Vec::new()));
            }
        }
        last_tok = node.toks.last().copied().max(last_tok);
        match node.kind {
            NodeKind::Negate(s) => {
                negation = Some((s, node.toks.clone()));
                node.used = true;
                carry = None;
            }
            NodeKind::Intensity(s) => {
                let (k, mut toks) = intensity.take().unwrap_or((1.0, Vec::new()));
                toks.extend(node.toks.iter().copied());
                intensity = Some(((k * s).clamp(0.25, 2.25), toks));
                node.used = true;
            }
            NodeKind::Concept(_) => {
                carry = None;
                if let Some((s, toks)) = negation.take() {
                    node.negated = Some(s);
                    node.extra.extend(toks);
                    carry = Some(s);
                }
                if let Some((k, toks)) = intensity.take() {
                    node.strength = k;
                    node.extra.extend(toks);
                }
            }
            NodeKind::Colour(_) | NodeKind::Place(_) | NodeKind::Unknown => {}
        }
    }
}

/// The colour and name of a colour node.
fn colour_of(node: &Node) -> Option<(Rgb, &'static str)> {
    match node.kind {
        NodeKind::Colour(e) => match &LEXICON.entries[e].role {
            Role::Colour(c) => Some((c.rgb, c.name)),
            _ => None,
        },
        _ => None,
    }
}

/// Every raw token a node owns: its words, its modifiers and places, and
/// the words of attached colours.
fn node_tokens(nodes: &[Node], i: usize) -> BTreeSet<usize> {
    let n = &nodes[i];
    let mut own: BTreeSet<usize> = n.toks.iter().chain(&n.extra).copied().collect();
    for &c in &n.colours {
        own.extend(nodes[c].toks.iter().copied());
    }
    own
}

/// The words of a phrase: its own tokens and the stop words between them.
fn phrase(tokens: &[Token], own: &BTreeSet<usize>) -> String {
    let mut words: Vec<&str> = Vec::new();
    let mut gap: Vec<&str> = Vec::new();
    let mut broken = false;
    let (Some(&lo), Some(&hi)) = (own.first(), own.last()) else {
        return String::new();
    };
    for (i, t) in tokens.iter().enumerate().take(hi + 1).skip(lo) {
        if own.contains(&i) {
            if broken {
                words.push("…");
            } else {
                words.append(&mut gap);
            }
            gap.clear();
            broken = false;
            words.push(&t.text);
        } else if t.stop {
            gap.push(&t.text);
        } else {
            broken = true;
        }
    }
    words.join(" ")
}

// ---- clamping ------------------------------------------------------------

/// Replaces a non-finite value by `default` and clamps it to `lo..=hi`.
fn fix(v: &mut f32, lo: f32, hi: f32, default: f32) {
    if !v.is_finite() {
        *v = default;
    }
    *v = v.clamp(lo, hi);
}

/// Clamps every numeric field of `spec` into the range `validate` accepts.
fn sanitize(spec: &mut WorldSpec) {
    let d = WorldSpec::default();
    fix(&mut spec.chunk_size, 16.0, 1024.0, d.chunk_size);
    fix(&mut spec.density, 0.0, 1.0, d.density);
    fix(&mut spec.district_scale, 100.0, 20_000.0, d.district_scale);
    fix(&mut spec.block_size, 40.0, 400.0, d.block_size);
    fix(&mut spec.vegetation, 0.0, 1.0, d.vegetation);
    let h = &mut spec.heights;
    fix(&mut h.floor_height, 2.0, 10.0, d.heights.floor_height);
    fix(&mut h.scale, 0.1, 10.0, d.heights.scale);
    h.max_floors = h.max_floors.clamp(1, 200);
    h.min_floors = h.min_floors.clamp(1, h.max_floors);
    for k in DistrictKind::ALL {
        fix(spec.districts.weight_mut(k), 0.0, 1000.0, 0.0);
    }
    if spec.districts.total() <= 0.0 {
        spec.districts = d.districts;
    }
    let t = &mut spec.terrain;
    fix(&mut t.relief, 0.0, 500.0, d.terrain.relief);
    fix(&mut t.north_bias, -1.0, 1.0, 0.0);
    let w = &mut spec.water;
    if let Some(width) = &mut w.river_width {
        fix(width, 5.0, 1000.0, 60.0);
    }
    fix(&mut w.river_offset, -1e6, 1e6, d.water.river_offset);
    fix(&mut w.coast_distance, -1e6, 1e6, d.water.coast_distance);
    fix(&mut w.lakes, 0.0, 1.0, 0.0);
    fix(&mut w.level, -1000.0, 1000.0, 0.0);
    fix(&mut spec.look.time_of_day, 0.0, 24.0, d.look.time_of_day);
    fix(&mut spec.look.fog, 0.0, 1.0, d.look.fog);
    let p = &mut spec.palette;
    if p.walls.is_empty() {
        p.walls = d.palette.walls.clone();
    }
    if p.roofs.is_empty() {
        p.roofs = d.palette.roofs.clone();
    }
    if p.cars.is_empty() {
        p.cars = d.palette.cars.clone();
    }
    let singles = [
        &mut p.glass,
        &mut p.ground,
        &mut p.grass,
        &mut p.foliage,
        &mut p.asphalt,
        &mut p.paving,
        &mut p.water,
    ];
    for c in p
        .walls
        .iter_mut()
        .chain(p.roofs.iter_mut())
        .chain(p.cars.iter_mut())
        .chain(singles)
    {
        for v in c {
            fix(v, 0.0, 1.0, 0.5);
        }
    }
}
