//! `sprawl gen`, `map`, `export` and `objects`: commands over a region.

use crate::load;
use crate::{ExportArgs, GenArgs, MapArgs, ObjectsArgs};
use anyhow::{Context, Result, bail};
use serde_json::json;
use sprawl_store::WorldFile;
use sprawl_store::export::{encode_png, export_glb, map_size, render_map};
use sprawl_world::Region;
use std::io::Write;
use std::path::Path;

/// Largest region of any command (square metres): 64 km², 4096 chunks of
/// 128 m. Loading that much for a map or a GLB takes about 1.5 and 3.5 GB
/// of memory; the map renderer's own pixel limit applies as well.
pub const MAX_AREA: f64 = 64.0e6;

/// Opens a world file (the store's errors name the file and the problem).
pub fn open(path: &Path) -> Result<WorldFile> {
    Ok(WorldFile::open(path)?)
}

fn describe(region: Region) -> String {
    let area = f64::from(region.width()) * f64::from(region.depth());
    let area = if area < 1e4 {
        format!("{area:.0} m²")
    } else {
        format!("{:.3} km²", area / 1e6)
    };
    format!(
        "x {}..{} m, z {}..{} m ({area})",
        region.x0, region.x1, region.z0, region.z1
    )
}

/// Refuses to write an output over the world file itself.
fn check_output(output: &Path, world: &Path) -> Result<()> {
    if let (Ok(a), Ok(b)) = (output.canonicalize(), world.canonicalize())
        && a == b
    {
        bail!(
            "{}: refusing to overwrite the world file with the output; choose another -o",
            output.display()
        );
    }
    Ok(())
}

fn write_output(output: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(output, bytes).with_context(|| format!("cannot write {}", output.display()))
}

/// `sprawl gen`.
pub fn gen_cmd(args: GenArgs) -> Result<()> {
    let world = open(&args.file)?;
    let size = world.spec().chunk_size;
    let region = args.region.region;
    let coords = load::region_chunks(region, size, MAX_AREA)?;
    let threads = args
        .region
        .threads
        .map_or_else(rayon::current_num_threads, usize::from);
    let stats = load::for_each_base_chunk(
        &world,
        &coords,
        args.region.threads,
        "generating",
        |_, _| Ok(()),
    )?;
    let secs = stats.elapsed.as_secs_f64();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "region {}: {} chunks of {size} m",
        describe(region),
        stats.chunks
    )?;
    writeln!(
        out,
        "generated {} chunks on {threads} thread{}; skipped {} already cached",
        stats.generated,
        if threads == 1 { "" } else { "s" },
        stats.cached
    )?;
    writeln!(
        out,
        "objects: {}, triangles: {}",
        stats.objects, stats.triangles
    )?;
    if stats.generated > 0 {
        writeln!(
            out,
            "elapsed: {secs:.2} s, {:.1} chunks/s",
            stats.generated as f64 / secs.max(1e-9)
        )?;
    } else {
        writeln!(out, "elapsed: {secs:.2} s, nothing to generate")?;
    }
    if let Some(config) = &args.config {
        drop(world);
        crate::cmd_backends::detail_chunks(
            &args.file,
            config,
            &coords,
            std::time::Duration::from_secs_f64(args.wait),
            &mut out,
        )?;
    }
    Ok(())
}

/// `sprawl map`.
pub fn map(args: MapArgs) -> Result<()> {
    let world = open(&args.file)?;
    check_output(&args.output, &args.file)?;
    let region = args.region.region;
    // Fail on an oversized map before generating anything.
    let (w, h) = map_size(region, args.scale)?;
    let chunks = load::live_chunks(&world, region, args.region.threads, MAX_AREA, "loading")?;
    let img = render_map(&chunks, region, args.scale)
        .with_context(|| format!("cannot render the map of {}", args.file.display()))?;
    let png = encode_png(&img)?;
    write_output(&args.output, &png)?;
    writeln!(
        std::io::stdout().lock(),
        "wrote {}: {w}×{h} pixels at {} m/pixel, region {}, {} chunks",
        args.output.display(),
        args.scale,
        describe(region),
        chunks.len()
    )?;
    Ok(())
}

/// `sprawl export`.
pub fn export(args: ExportArgs) -> Result<()> {
    let world = open(&args.file)?;
    check_output(&args.output, &args.file)?;
    let region = args.region.region;
    let chunks = load::live_chunks(&world, region, args.region.threads, MAX_AREA, "loading")?;
    let palette = world.spec().palette.in_season(world.spec().look.season);
    let glb = export_glb(&chunks, &palette, Some(region))
        .with_context(|| format!("cannot export {} as GLB", args.file.display()))?;
    let (objects, triangles) = chunks
        .iter()
        .flat_map(|c| &c.objects)
        .filter(|o| {
            let t = o.transform.translation;
            region.contains(t.x, t.z) && !o.mesh.is_empty()
        })
        .fold((0usize, 0usize), |(n, t), o| {
            (n + 1, t + o.mesh.triangle_count())
        });
    write_output(&args.output, &glb)?;
    writeln!(
        std::io::stdout().lock(),
        "wrote {}: {:.1} MiB, {objects} objects, {triangles} triangles, region {}",
        args.output.display(),
        glb.len() as f64 / (1024.0 * 1024.0),
        describe(region)
    )?;
    Ok(())
}

/// An `f32` widened to `f64` through its shortest decimal form, so JSON says
/// `12.3` rather than `12.300000190734863`.
fn short(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// `sprawl objects`.
pub fn objects(args: ObjectsArgs) -> Result<()> {
    let world = open(&args.file)?;
    let region = args.region.region;
    let mut rows = Vec::new();
    load::for_each_live_chunk(
        &world,
        region,
        args.region.threads,
        MAX_AREA,
        "loading",
        |chunk| {
            for o in &chunk.objects {
                let t = o.transform.translation;
                if !region.contains(t.x, t.z) || args.class.is_some_and(|c| c != o.class) {
                    continue;
                }
                let generator = chunk
                    .provenance
                    .get(usize::from(o.provenance))
                    .map_or("unknown", |p| p.generator.as_str())
                    .to_owned();
                rows.push((
                    o.id,
                    o.class,
                    [short(t.x), short(t.y), short(t.z)],
                    generator,
                ));
            }
            Ok(())
        },
    )?;
    rows.sort_by_key(|r| r.0);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|(id, class, p, generator)| {
                json!({
                    "id": id.to_string(),
                    "class": class.name(),
                    "position": p,
                    "generator": generator,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &list)?;
        writeln!(out)?;
    } else {
        for (id, class, p, generator) in &rows {
            writeln!(
                out,
                "{:<22} {:<10} {:>10.2} {:>8.2} {:>10.2}  {generator}",
                id.to_string(),
                class.name(),
                p[0],
                p[1],
                p[2]
            )?;
        }
        let what = args
            .class
            .map_or_else(String::new, |c| format!(" of class {c}"));
        writeln!(
            out,
            "{} objects{what} in region {}",
            rows.len(),
            describe(region)
        )?;
    }
    out.flush()?;
    Ok(())
}
