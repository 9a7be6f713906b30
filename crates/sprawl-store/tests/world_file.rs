//! The world file: round trips, the edit journal, the chunk cache, and every
//! kind of bad file (each refused with a clear error and left untouched).
//!
//! The generator is being replaced while these tests are written, so nothing
//! here depends on how many objects a chunk has or what their ids are: the
//! tests look at the generated chunks at run time.

use glam::{Quat, Vec3};
use rusqlite::Connection;
use sprawl_gen::{GENERATOR_NAME, GENERATOR_VERSION, generate_chunk};
use sprawl_store::{APPLICATION_ID, SCHEMA_VERSION, StoreError, WorldFile, spec_hash};
use sprawl_world::hash::StableHasher;
use sprawl_world::{
    ChunkCoord, Edit, EditError, Object, ObjectId, Provenance, SpecError, Transform,
    WORLD_SPEC_VERSION, WorldSpec,
};
use std::path::{Path, PathBuf};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn spec(seed: u64) -> WorldSpec {
    WorldSpec {
        seed,
        prompt: Some("a test town".into()),
        ..WorldSpec::default()
    }
}

fn interpreter() -> Provenance {
    Provenance {
        generator: "prompt-interpreter".into(),
        version: "9.9.9".into(),
        model: None,
        inputs_hash: format!("{:016x}", sprawl_world::hash::hash_str("a test town")),
    }
}

fn user() -> Provenance {
    Provenance {
        generator: "user".into(),
        version: "test".into(),
        model: None,
        inputs_hash: "0".repeat(16),
    }
}

/// The first `n` distinct chunks (scanning outwards from the origin) whose
/// generated base has at least one object, with the base.
fn chunks_with_objects(spec: &WorldSpec, n: usize) -> Vec<sprawl_world::Chunk> {
    let mut out = Vec::new();
    'scan: for r in 0i32..12 {
        for x in -r..=r {
            for z in -r..=r {
                if x.abs().max(z.abs()) != r {
                    continue;
                }
                let c = generate_chunk(spec, ChunkCoord::new(x, z));
                if !c.objects.is_empty() {
                    out.push(c);
                    if out.len() == n {
                        break 'scan;
                    }
                }
            }
        }
    }
    assert_eq!(
        out.len(),
        n,
        "the generator should put objects into some chunks near the origin"
    );
    out
}

fn moved(x: f32, y: f32, z: f32) -> Transform {
    Transform {
        translation: Vec3::new(x, y, z),
        rotation: Quat::from_rotation_y(0.5),
        scale: Vec3::splat(1.5),
    }
}

fn file_hash(path: &Path) -> u64 {
    let bytes = std::fs::read(path).expect("read file");
    StableHasher::new()
        .bytes(&bytes)
        .u64(bytes.len() as u64)
        .finish()
}

fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Opens `path`, expects a refusal matching `expected`, and checks that the
/// file's bytes are unchanged and no `-wal`/`-shm`/`-journal` appeared.
fn assert_refused(path: &Path, expected: impl Fn(&StoreError) -> bool) -> StoreError {
    let before = path.is_file().then(|| file_hash(path));
    let companions: Vec<bool> = ["-wal", "-shm", "-journal"]
        .iter()
        .map(|s| companion(path, s).exists())
        .collect();
    let err = match WorldFile::open(path) {
        Ok(_) => panic!("{} should have been refused", path.display()),
        Err(e) => e,
    };
    assert!(
        expected(&err),
        "unexpected error for {}: {err:?}",
        path.display()
    );
    let msg = err.to_string();
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    assert!(msg.contains(name), "error should name the file: {msg}");
    assert_eq!(err.path(), path);
    if let Some(before) = before {
        assert_eq!(
            file_hash(path),
            before,
            "{} was modified by a refused open",
            path.display()
        );
    }
    for (s, existed) in ["-wal", "-shm", "-journal"].iter().zip(companions) {
        assert_eq!(
            companion(path, s).exists(),
            existed,
            "a refused open created {s}"
        );
    }
    err
}

/// A world with a few edits and cached chunks, so that it spans several pages.
fn populated_world(path: &Path) -> Result<(), StoreError> {
    let spec = spec(11);
    let mut w = WorldFile::create(path, &spec, Some(&interpreter()), false)?;
    for c in chunks_with_objects(&spec, 3) {
        w.cache_chunk(&c)?;
        let id = c.objects[0].id;
        for i in 0..40 {
            w.append_edit(&Edit::Move {
                id,
                transform: moved(i as f32, 0.0, 0.0),
            })?;
        }
    }
    Ok(())
}

// ------------------------------------------------------------- round trips

#[test]
fn create_open_round_trip() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("town.sprawl");
    let spec = spec(42);
    let w = WorldFile::create(&path, &spec, Some(&interpreter()), false)?;
    assert_eq!(w.spec(), &spec);
    drop(w);
    // A cleanly closed world leaves no WAL files behind.
    assert!(!companion(&path, "-wal").exists());
    assert!(!companion(&path, "-shm").exists());

    let w = WorldFile::open(&path)?;
    assert_eq!(w.spec(), &spec);
    assert_eq!(w.spec_provenance(), Some(&interpreter()));
    assert_eq!(w.spec_hash(), spec_hash(&spec));
    let info = w.info()?;
    assert_eq!(info.seed, 42);
    assert_eq!(info.spec, spec);
    assert_eq!(info.schema_version, SCHEMA_VERSION);
    assert_eq!(info.created_generator_name, GENERATOR_NAME);
    assert_eq!(info.created_generator_version, GENERATOR_VERSION);
    assert_eq!(info.generator_version, GENERATOR_VERSION);
    assert_eq!(info.spec_provenance, Some(interpreter()));
    assert_eq!(info.edits.total(), 0);
    assert_eq!(info.cached_chunks, 0);
    assert!(info.created_at_ms > 0);

    // The file is marked as Sprawl's, and it is in WAL mode.
    let bytes = std::fs::read(&path)?;
    assert_eq!(&bytes[..16], b"SQLite format 3\0");
    assert_eq!(&bytes[68..72], b"SPRW");
    assert_eq!(
        u32::from_be_bytes([bytes[68], bytes[69], bytes[70], bytes[71]]),
        APPLICATION_ID
    );
    assert_eq!(
        u32::from_be_bytes([bytes[60], bytes[61], bytes[62], bytes[63]]),
        SCHEMA_VERSION
    );
    assert_eq!((bytes[18], bytes[19]), (2, 2), "WAL mode");

    // Without provenance.
    let path2 = dir.path().join("plain.sprawl");
    drop(WorldFile::create(
        &path2,
        &WorldSpec::default(),
        None,
        false,
    )?);
    let w2 = WorldFile::open(&path2)?;
    assert_eq!(w2.spec_provenance(), None);
    assert_eq!(w2.spec(), &WorldSpec::default());
    Ok(())
}

#[test]
fn odd_path_names_work() -> TestResult {
    let dir = tempfile::tempdir()?;
    let odd = dir.path().join("a dir?with #odd %41 chars");
    std::fs::create_dir(&odd)?;
    let mut names = vec![std::ffi::OsString::from("wörld ?#%.sprawl")];
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        names.push(std::ffi::OsString::from_vec(
            b"not-utf8-\xff.sprawl".to_vec(),
        ));
    }
    for name in names {
        let path = odd.join(&name);
        drop(WorldFile::create(&path, &spec(2), None, false)?);
        // Opening validates through an `immutable` URI made from the path.
        assert_eq!(WorldFile::open(&path)?.spec().seed, 2, "{name:?}");
        tamper(&path, "DROP TABLE edits")?;
        assert_refused(&path, |e| matches!(e, StoreError::Corrupt { .. }));
    }
    // A relative path.
    let rel = PathBuf::from(format!("target-rel-{}.sprawl", std::process::id()));
    let created = WorldFile::create(&rel, &spec(6), None, false).map(drop);
    let opened = WorldFile::open(&rel).map(|w| w.spec().seed);
    for s in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(companion(&rel, s));
    }
    created?;
    assert_eq!(opened?, 6);
    Ok(())
}

#[test]
fn create_refuses_invalid_spec_and_writes_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bad.sprawl");
    let bad = WorldSpec {
        density: f32::NAN,
        ..WorldSpec::default()
    };
    let err = WorldFile::create(&path, &bad, None, false)
        .err()
        .ok_or("accepted a NaN spec")?;
    assert!(
        matches!(
            err,
            StoreError::Spec {
                source: SpecError::Invalid { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path())?.count(),
        0,
        "nothing may be left behind"
    );
    Ok(())
}

#[test]
fn create_without_force_leaves_existing_files_alone() -> TestResult {
    let dir = tempfile::tempdir()?;
    // An existing world.
    let path = dir.path().join("town.sprawl");
    populated_world(&path)?;
    let before = file_hash(&path);
    let err = WorldFile::create(&path, &spec(99), None, false)
        .err()
        .ok_or("overwrote a world")?;
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err:?}");
    assert!(err.to_string().contains("town.sprawl"));
    assert_eq!(file_hash(&path), before);
    assert_eq!(WorldFile::open(&path)?.spec().seed, 11);

    // An existing file that is not a world.
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my notes")?;
    let err = WorldFile::create(&notes, &spec(1), None, false)
        .err()
        .ok_or("overwrote notes")?;
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err:?}");
    assert_eq!(std::fs::read_to_string(&notes)?, "my notes");

    // No temporary files are left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    Ok(())
}

#[test]
fn create_with_force_replaces() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("town.sprawl");
    populated_world(&path)?;
    assert!(WorldFile::open(&path)?.info()?.edits.total() > 0);

    let w = WorldFile::create(&path, &spec(99), None, true)?;
    assert_eq!(w.spec().seed, 99);
    let info = w.info()?;
    assert_eq!(info.edits.total(), 0, "the old journal is gone");
    assert_eq!(info.cached_chunks, 0, "the old cache is gone");
    drop(w);
    assert_eq!(WorldFile::open(&path)?.spec().seed, 99);

    // Force also replaces a file that was not a world.
    let png = dir.path().join("map.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\nnot really")?;
    let w = WorldFile::create(&png, &spec(5), None, true)?;
    assert_eq!(w.spec().seed, 5);
    Ok(())
}

/// Permission bits of a file (`st_mode & 0o7777`).
#[cfg(unix)]
fn mode(path: &Path) -> std::io::Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o7777)
}

#[cfg(unix)]
#[test]
fn created_worlds_get_the_mode_of_any_new_file() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir()?;
    let plain = dir.path().join("plain.txt");
    drop(std::fs::File::create(&plain)?);
    let expected = mode(&plain)?;

    let path = dir.path().join("town.sprawl");
    drop(WorldFile::create(&path, &spec(1), None, false)?);
    assert_eq!(mode(&path)?, expected, "new world: {:o}", mode(&path)?);

    // Replacing a file of another mode gives the same mode as a new file.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640))?;
    drop(WorldFile::create(&path, &spec(2), None, true)?);
    assert_eq!(mode(&path)?, expected, "replaced: {:o}", mode(&path)?);
    Ok(())
}

#[test]
fn create_in_a_missing_directory_names_the_path() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nowhere").join("town.sprawl");
    let err = match WorldFile::create(&path, &spec(1), None, false) {
        Ok(_) => panic!("created a world in a missing directory"),
        Err(e) => e,
    };
    assert!(matches!(err, StoreError::NoDirectory { .. }), "{err:?}");
    assert_eq!(err.path(), path);
    let msg = err.to_string();
    assert!(
        msg.contains("town.sprawl") && msg.contains("does not exist"),
        "{msg}"
    );
    assert!(
        !msg.contains(".sprawl-create-"),
        "names the temporary file: {msg}"
    );

    // A file where the directory should be.
    std::fs::write(dir.path().join("file"), b"x")?;
    let path = dir.path().join("file").join("town.sprawl");
    let err = match WorldFile::create(&path, &spec(1), None, false) {
        Ok(_) => panic!("created a world under a file"),
        Err(e) => e,
    };
    assert!(err.to_string().contains("is not a directory"), "{err}");
    assert!(!dir.path().read_dir()?.any(|e| e.is_ok_and(|e| {
        e.file_name()
            .to_string_lossy()
            .starts_with(".sprawl-create-")
    })));
    Ok(())
}

#[test]
fn create_ignores_orphan_wal_files() -> TestResult {
    // A `-wal` left beside a deleted world must not be replayed into a new one.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("town.sprawl");
    std::fs::write(companion(&path, "-wal"), vec![0x37u8; 5000])?;
    std::fs::write(companion(&path, "-shm"), vec![0x11u8; 32768])?;
    let w = WorldFile::create(&path, &spec(3), None, false)?;
    assert_eq!(w.spec().seed, 3);
    drop(w);
    assert_eq!(WorldFile::open(&path)?.spec().seed, 3);
    Ok(())
}

// ----------------------------------------------------------------- journal

#[test]
fn edits_are_reapplied_on_load() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("town.sprawl");
    let spec = spec(7);
    let bases = chunks_with_objects(&spec, 3);
    let (a, b, c) = (
        &bases[0].objects[0],
        &bases[1].objects[0],
        &bases[2].objects[0],
    );

    let mut w = WorldFile::create(&path, &spec, Some(&interpreter()), false)?;
    let t_move = moved(10.0, 2.0, -3.0);
    let t_rest = moved(-4.0, 0.25, 8.0);
    let s1 = w.append_edit(&Edit::Move {
        id: a.id,
        transform: t_move,
    })?;
    let s2 = w.append_edit(&Edit::DynamicState {
        id: b.id,
        transform: t_rest,
        linear_velocity: [0.0, -0.5, 0.0],
        angular_velocity: [0.0, 0.1, 0.0],
    })?;
    let s3 = w.append_edit(&Edit::Remove { id: c.id })?;

    let new_id = w.next_user_object_id(a.id.chunk)?;
    assert!(new_id.is_user());
    assert_eq!(new_id.chunk, a.id.chunk);
    let mut added: Object = a.clone();
    added.id = new_id;
    added.transform = moved(1.0, 0.0, 1.0);
    let s4 = w.append_edit(&Edit::Add {
        object: Box::new(added.clone()),
        provenance: user(),
    })?;
    assert!(
        s1 < s2 && s2 < s3 && s3 < s4,
        "sequence numbers increase: {s1} {s2} {s3} {s4}"
    );
    assert_ne!(
        w.next_user_object_id(a.id.chunk)?,
        new_id,
        "ids are not handed out twice"
    );
    drop(w);

    let w = WorldFile::open(&path)?;
    let info = w.info()?;
    assert_eq!(
        (
            info.edits.moves,
            info.edits.dynamic_states,
            info.edits.removes,
            info.edits.adds
        ),
        (1, 1, 1, 1)
    );

    let la = w.load_chunk(a.id.chunk)?;
    assert!(la.rejected.is_empty(), "{:?}", la.rejected);
    assert_eq!(la.chunk.object(a.id).map(|o| o.transform), Some(t_move));
    let got = la.chunk.object(new_id).ok_or("added object missing")?;
    assert_eq!(got.transform, added.transform);
    assert_eq!(got.mesh, added.mesh);
    assert_eq!(la.chunk.provenance[usize::from(got.provenance)], user());
    assert_eq!(la.chunk.objects.len(), bases[0].objects.len() + 1);

    let lb = w.load_chunk(b.id.chunk)?;
    assert!(lb.rejected.is_empty());
    assert_eq!(lb.chunk.object(b.id).map(|o| o.transform), Some(t_rest));

    let lc = w.load_chunk(c.id.chunk)?;
    assert!(lc.rejected.is_empty());
    assert!(lc.chunk.object(c.id).is_none(), "removed object came back");
    assert_eq!(lc.chunk.objects.len(), bases[2].objects.len() - 1);

    // Journal queries.
    let all = w.all_edits()?;
    assert_eq!(
        all.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![s1, s2, s3, s4]
    );
    assert!(all.iter().all(|e| e.at_ms > 0));
    let for_a: Vec<_> = w
        .edits_for_chunk(a.id.chunk)?
        .into_iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(for_a, vec![s1, s4]);
    assert_eq!(w.edits_for_chunk(ChunkCoord::new(1000, 1000))?, vec![]);
    let mut edited = vec![a.id.chunk, b.id.chunk, c.id.chunk];
    edited.sort();
    assert_eq!(w.edited_chunks()?, edited);

    // Object lookup (what `sprawl edit move ID` needs).
    assert_eq!(w.find_object(a.id)?.map(|o| o.transform), Some(t_move));
    assert_eq!(w.find_object(c.id)?, None);
    let err = w.require_object(c.id).err().ok_or("removed object found")?;
    assert!(
        matches!(err, StoreError::Edit { source: EditError::UnknownObject(id), .. } if id == c.id)
    );
    Ok(())
}

#[test]
fn edits_that_no_longer_apply_are_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("town.sprawl");
    let spec = spec(8);
    let base = chunks_with_objects(&spec, 1).remove(0);
    let mut w = WorldFile::create(&path, &spec, None, false)?;
    // An id the generator did not make (pick a local key not in the chunk).
    let ghost = (1..u32::MAX)
        .map(|l| ObjectId::new(base.coord, l))
        .find(|id| base.object(*id).is_none())
        .ok_or("no free id")?;
    w.append_edit(&Edit::Move {
        id: ghost,
        transform: moved(0.0, 0.0, 0.0),
    })?;
    let loaded = w.load_chunk(base.coord)?;
    assert_eq!(loaded.rejected.len(), 1);
    assert_eq!(loaded.rejected[0].1, EditError::UnknownObject(ghost));
    assert_eq!(loaded.chunk.content_hash(), base.content_hash());
    Ok(())
}

#[test]
fn bad_edits_are_refused_and_not_journalled() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("town.sprawl");
    let spec = spec(9);
    let base = chunks_with_objects(&spec, 1).remove(0);
    let obj = base.objects[0].clone();
    let mut w = WorldFile::create(&path, &spec, None, false)?;

    // Non-finite numbers.
    let mut nan = Transform::default();
    nan.translation.x = f32::NAN;
    let err = w
        .append_edit(&Edit::Move {
            id: obj.id,
            transform: nan,
        })
        .err()
        .ok_or("NaN accepted")?;
    assert!(
        matches!(
            err,
            StoreError::Edit {
                source: EditError::NotFinite(_),
                ..
            }
        ),
        "{err:?}"
    );
    let err = w
        .append_edit(&Edit::DynamicState {
            id: obj.id,
            transform: Transform::default(),
            linear_velocity: [f32::INFINITY, 0.0, 0.0],
            angular_velocity: [0.0; 3],
        })
        .err()
        .ok_or("infinite velocity accepted")?;
    assert!(
        matches!(
            err,
            StoreError::Edit {
                source: EditError::NotFinite(_),
                ..
            }
        ),
        "{err:?}"
    );

    // An added object needs a user id …
    let err = w
        .append_edit(&Edit::Add {
            object: Box::new(obj.clone()),
            provenance: user(),
        })
        .err()
        .ok_or("generator id accepted for an add")?;
    assert!(
        matches!(err, StoreError::NotAUserId { id, .. } if id == obj.id),
        "{err:?}"
    );
    // … that is not taken.
    let (_, id) = w.add_object(base.coord, obj.clone(), user())?;
    assert_eq!(id, ObjectId::new(base.coord, ObjectId::USER_BIT | 1));
    let mut dup = obj.clone();
    dup.id = id;
    let err = w
        .append_edit(&Edit::Add {
            object: Box::new(dup),
            provenance: user(),
        })
        .err()
        .ok_or("duplicate add accepted")?;
    assert!(
        matches!(err, StoreError::Edit { source: EditError::DuplicateObject(d), .. } if d == id)
    );
    let (_, id2) = w.add_object(base.coord, obj.clone(), user())?;
    assert_eq!(id2.local, ObjectId::USER_BIT | 2);
    // Ids are per chunk.
    let elsewhere = ChunkCoord::new(base.coord.x + 1, base.coord.z);
    assert_eq!(
        w.next_user_object_id(elsewhere)?.local,
        ObjectId::USER_BIT | 1
    );

    // Checked edits: the object must exist in the live chunk.
    let ghost = (1..u32::MAX)
        .map(|l| ObjectId::new(base.coord, l))
        .find(|id| base.object(*id).is_none())
        .ok_or("no free id")?;
    let err = w
        .apply_edit(&Edit::Move {
            id: ghost,
            transform: Transform::default(),
        })
        .err()
        .ok_or("move of a missing object accepted")?;
    assert!(
        matches!(err, StoreError::Edit { source: EditError::UnknownObject(g), .. } if g == ghost)
    );
    w.apply_edit(&Edit::Remove { id: obj.id })?;
    let err = w
        .apply_edit(&Edit::Move {
            id: obj.id,
            transform: Transform::default(),
        })
        .err()
        .ok_or("move of a removed object accepted")?;
    assert!(
        matches!(
            err,
            StoreError::Edit {
                source: EditError::UnknownObject(_),
                ..
            }
        ),
        "{err:?}"
    );
    w.apply_edit(&Edit::Move {
        id: id2,
        transform: moved(3.0, 0.0, 3.0),
    })?;

    let info = w.info()?;
    assert_eq!(
        (
            info.edits.adds,
            info.edits.removes,
            info.edits.moves,
            info.edits.dynamic_states
        ),
        (2, 1, 1, 0)
    );
    let loaded = w.load_chunk(base.coord)?;
    assert!(loaded.rejected.is_empty(), "{:?}", loaded.rejected);
    Ok(())
}

// ------------------------------------------------------------------- cache

#[test]
fn cache_hit_equals_regeneration() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("town.sprawl");
    let spec = spec(21);
    let mut w = WorldFile::create(&path, &spec, None, false)?;
    let coords = [
        ChunkCoord::new(0, 0),
        ChunkCoord::new(-1, 2),
        ChunkCoord::new(3, -2),
    ];
    for &coord in &coords {
        let fresh = generate_chunk(&spec, coord);
        assert_eq!(w.cached_chunk(coord)?, None);
        let first = w.load_chunk(coord)?;
        assert!(!first.from_cache);
        assert_eq!(first.chunk.content_hash(), fresh.content_hash());
        let cached = w.cached_chunk(coord)?.ok_or("not cached")?;
        assert_eq!(cached.content_hash(), fresh.content_hash());
        assert_eq!(cached, fresh);
        let second = w.load_chunk(coord)?;
        assert!(second.from_cache);
        assert_eq!(second.chunk.content_hash(), fresh.content_hash());
    }
    assert_eq!(w.info()?.cached_chunks, coords.len() as u64);

    // With edits: the live chunk is the same whether its base was cached or generated.
    let base = chunks_with_objects(&spec, 1).remove(0);
    w.append_edit(&Edit::Move {
        id: base.objects[0].id,
        transform: moved(5.0, 5.0, 5.0),
    })?;
    let via_cache = {
        w.load_chunk(base.coord)?; // make sure it is cached
        let l = w.load_chunk(base.coord)?;
        assert!(l.from_cache);
        l.chunk.content_hash()
    };
    w.clear_cache()?;
    w.set_cache_writes(false);
    let l = w.load_chunk(base.coord)?;
    assert!(!l.from_cache);
    assert_eq!(l.chunk.content_hash(), via_cache);
    assert_eq!(
        w.cached_chunk(base.coord)?,
        None,
        "cache writes were turned off"
    );
    w.set_cache_writes(true);
    assert!(!w.load_chunk(coords[0])?.from_cache);
    drop(w);

    // The cache survives reopening.
    let w = WorldFile::open(&path)?;
    assert!(w.load_chunk(coords[0])?.from_cache);
    Ok(())
}

fn tamper(path: &Path, sql: &str) -> rusqlite::Result<()> {
    let conn = Connection::open(path)?;
    conn.execute_batch(sql)?;
    conn.close().map_err(|(_, e)| e)
}

#[test]
fn cache_is_invalidated_by_generator_version_and_spec_hash() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("town.sprawl");
    let spec = spec(22);
    let coord = ChunkCoord::new(1, 1);
    let fresh = generate_chunk(&spec, coord);
    drop(WorldFile::create(&path, &spec, None, false)?);

    let cases = [
        (
            "generator version",
            "UPDATE chunk_cache SET generator_version = '0.0.0-older'",
        ),
        (
            "generator name",
            "UPDATE chunk_cache SET generator = 'someone-else'",
        ),
        (
            "spec hash",
            "UPDATE chunk_cache SET spec_hash = '0123456789abcdef'",
        ),
        (
            "content hash",
            "UPDATE chunk_cache SET content_hash = '0000000000000000'",
        ),
        (
            "undecodable bytes",
            "UPDATE chunk_cache SET data = x'deadbeef'",
        ),
    ];
    for (what, sql) in cases {
        {
            let w = WorldFile::open(&path)?;
            w.load_chunk(coord)?;
            assert!(w.cached_chunk(coord)?.is_some(), "{what}: not cached");
        }
        tamper(&path, sql)?;
        let w = WorldFile::open(&path)?;
        assert_eq!(w.cached_chunk(coord)?, None, "{what}: stale entry used");
        if what.starts_with("generator") || what == "spec hash" {
            assert_eq!(w.info()?.stale_cached_chunks, 1, "{what}");
        }
        let l = w.load_chunk(coord)?;
        assert!(!l.from_cache, "{what}: stale entry used by load_chunk");
        assert_eq!(l.chunk.content_hash(), fresh.content_hash(), "{what}");
        // Regenerating refreshed the entry.
        assert!(
            w.load_chunk(coord)?.from_cache,
            "{what}: entry not refreshed"
        );
        assert_eq!(w.info()?.stale_cached_chunks, 0);
    }

    // A cached chunk from another spec (same coordinate, other seed) is not used.
    let other = WorldSpec {
        seed: 23,
        ..spec.clone()
    };
    assert_ne!(spec_hash(&other), spec_hash(&spec));
    let other_path = dir.path().join("other.sprawl");
    let ow = WorldFile::create(&other_path, &other, None, false)?;
    ow.load_chunk(coord)?;
    drop(ow);
    tamper(
        &path,
        &format!(
            "ATTACH '{}' AS o; DELETE FROM main.chunk_cache;
             INSERT INTO main.chunk_cache SELECT * FROM o.chunk_cache; DETACH o;",
            other_path.display()
        ),
    )?;
    let w = WorldFile::open(&path)?;
    assert_eq!(w.info()?.stale_cached_chunks, 1);
    assert_eq!(w.cached_chunk(coord)?, None);
    assert_eq!(w.prune_cache()?, 1);
    assert_eq!(w.info()?.cached_chunks, 0);
    Ok(())
}

// --------------------------------------------------------------- bad files

#[test]
fn missing_file_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nowhere.sprawl");
    let err = assert_refused(&path, |e| matches!(e, StoreError::NotFound { .. }));
    assert!(err.to_string().contains("no such world file"), "{err}");
    assert!(!path.exists(), "open must not create a file");
}

#[test]
fn non_sqlite_files_are_refused_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cases: [(&str, &[u8], &str); 6] = [
        (
            "image.png",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0",
            "PNG image",
        ),
        ("notes.txt", b"just some text\nover two lines\n", "text"),
        ("spec.json", br#"{"seed": 4}"#, "JSON"),
        ("empty.sprawl", b"", "empty"),
        ("photo.jpg", b"\xff\xd8\xff\xe0\0\x10JFIF\0", "JPEG"),
        (
            "noise.bin",
            &[0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x80, 0x81],
            "binary",
        ),
    ];
    for (name, bytes, what) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes)?;
        let err = assert_refused(&path, |e| matches!(e, StoreError::NotSqlite { .. }));
        let msg = err.to_string();
        assert!(
            msg.contains("not a Sprawl world") && msg.contains(what),
            "{name}: {msg}"
        );
    }
    let err = assert_refused(dir.path(), |e| matches!(e, StoreError::NotSqlite { .. }));
    assert!(err.to_string().contains("directory"), "{err}");
    Ok(())
}

#[test]
fn sqlite_files_of_other_applications_are_refused_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    // Another application's id, and a plain SQLite file (id 0).
    for (name, id) in [("other.db", 0x1234_5678_i64), ("plain.db", 0)] {
        let path = dir.path().join(name);
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "application_id", id)?;
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")?;
        conn.close().map_err(|(_, e)| e)?;
        let err = assert_refused(
            &path,
            |e| matches!(e, StoreError::WrongApplication { found, .. } if i64::from(*found) == id),
        );
        assert!(err.to_string().contains("another application"), "{err}");
    }
    // Another application's file in WAL mode, with its WAL not yet checkpointed.
    let path = dir.path().join("busy.db");
    let conn = Connection::open(&path)?;
    let _mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")?;
    assert_refused(&path, |e| {
        matches!(e, StoreError::WrongApplication { found: 0, .. })
    });
    drop(conn);
    Ok(())
}

#[test]
fn truncated_files_are_refused_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let good = dir.path().join("good.sprawl");
    populated_world(&good)?;
    let bytes = std::fs::read(&good)?;
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    assert!(
        bytes.len() >= 4 * page,
        "want a multi-page file, got {} bytes",
        bytes.len()
    );

    let cuts = [
        ("header.sprawl", 60),
        ("magic.sprawl", 10),
        ("half.sprawl", (bytes.len() / 2) / page * page),
        ("ragged.sprawl", bytes.len() - 100),
        ("one-page.sprawl", page),
    ];
    for (name, len) in cuts {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes[..len])?;
        let err = assert_refused(&path, |e| matches!(e, StoreError::Truncated { .. }));
        assert!(err.to_string().contains("truncated"), "{name}: {err}");
    }
    Ok(())
}

#[test]
fn corrupt_files_are_refused_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let good = dir.path().join("good.sprawl");
    populated_world(&good)?;
    let bytes = std::fs::read(&good)?;
    let page = usize::from(u16::from_be_bytes([bytes[16], bytes[17]]));
    let pages = bytes.len() / page;

    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    // Garbage over each b-tree page in turn (page 1 is the schema).
    for p in 0..pages {
        let mut b = bytes.clone();
        let start = if p == 0 { 100 } else { p * page };
        b[start..(p + 1) * page].fill(0x5a);
        cases.push((format!("page{}.sprawl", p + 1), b));
    }
    // An impossible page size in the header.
    let mut b = bytes.clone();
    b[16..18].copy_from_slice(&[0x03, 0x00]);
    cases.push(("pagesize.sprawl".into(), b));

    for (name, b) in cases {
        let path = dir.path().join(&name);
        std::fs::write(&path, &b)?;
        let before = file_hash(&path);
        match WorldFile::open(&path) {
            Ok(w) => {
                drop(w);
                panic!("{name}: corrupt file accepted");
            }
            Err(e) => {
                assert!(
                    matches!(e, StoreError::Corrupt { .. } | StoreError::Truncated { .. }),
                    "{name}: {e:?}"
                );
                assert!(e.to_string().contains(&name), "{e}");
            }
        }
        assert_eq!(file_hash(&path), before, "{name} was modified");
        assert!(!companion(&path, "-wal").exists() && !companion(&path, "-shm").exists());
    }
    Ok(())
}

#[test]
fn missing_tables_are_refused_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    for table in ["meta", "edits", "chunk_cache"] {
        let path = dir.path().join(format!("no-{table}.sprawl"));
        drop(WorldFile::create(&path, &spec(1), None, false)?);
        tamper(&path, &format!("DROP TABLE {table}"))?;
        let err = assert_refused(&path, |e| matches!(e, StoreError::Corrupt { .. }));
        assert!(err.to_string().contains(table), "{err}");
    }
    let path = dir.path().join("no-spec.sprawl");
    drop(WorldFile::create(&path, &spec(1), None, false)?);
    tamper(&path, "DELETE FROM meta WHERE key = 'spec'")?;
    let err = assert_refused(&path, |e| matches!(e, StoreError::Corrupt { .. }));
    assert!(err.to_string().contains("spec"), "{err}");
    Ok(())
}

#[test]
fn newer_schema_is_refused_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("future.sprawl");
    drop(WorldFile::create(&path, &spec(1), None, false)?);
    tamper(
        &path,
        &format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1),
    )?;
    let err = assert_refused(&path, |e| {
        matches!(e, StoreError::SchemaTooNew { found, supported, .. }
            if *found == SCHEMA_VERSION + 1 && *supported == SCHEMA_VERSION)
    });
    assert!(err.to_string().contains("newer"), "{err}");
    Ok(())
}

#[test]
fn newer_spec_is_refused_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    // A newer spec version whose fields still parse …
    let path = dir.path().join("future-spec.sprawl");
    drop(WorldFile::create(&path, &spec(1), None, false)?);
    let mut newer = serde_json::to_value(spec(1))?;
    newer["version"] = serde_json::json!(WORLD_SPEC_VERSION + 1);
    tamper(
        &path,
        &format!("UPDATE meta SET value = '{newer}' WHERE key = 'spec'"),
    )?;
    let err = assert_refused(
        &path,
        |e| matches!(e, StoreError::Spec { source: SpecError::TooNew { found, .. }, .. } if *found == WORLD_SPEC_VERSION + 1),
    );
    assert!(err.to_string().contains("newer"), "{err}");

    // … and one whose fields no longer parse with this build.
    let path = dir.path().join("future-spec2.sprawl");
    drop(WorldFile::create(&path, &spec(1), None, false)?);
    let newer = format!(
        r#"{{"version": {}, "seed": "a string now"}}"#,
        WORLD_SPEC_VERSION + 1
    );
    tamper(
        &path,
        &format!("UPDATE meta SET value = '{newer}' WHERE key = 'spec'"),
    )?;
    assert_refused(&path, |e| {
        matches!(
            e,
            StoreError::Spec {
                source: SpecError::TooNew { .. },
                ..
            }
        )
    });

    // A spec that is simply garbage is corrupt.
    let path = dir.path().join("garbage-spec.sprawl");
    drop(WorldFile::create(&path, &spec(1), None, false)?);
    tamper(
        &path,
        "UPDATE meta SET value = 'not json' WHERE key = 'spec'",
    )?;
    assert_refused(&path, |e| matches!(e, StoreError::Corrupt { .. }));
    Ok(())
}

#[test]
fn corrupt_journal_entries_are_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("town.sprawl");
    let spec = spec(4);
    let base = chunks_with_objects(&spec, 1).remove(0);
    let mut w = WorldFile::create(&path, &spec, None, false)?;
    w.append_edit(&Edit::Remove {
        id: base.objects[0].id,
    })?;
    drop(w);
    tamper(&path, "UPDATE edits SET edit = '{\"op\": \"explode\"}'")?;
    let w = WorldFile::open(&path)?;
    let err = w
        .load_chunk(base.coord)
        .err()
        .ok_or("garbage edit accepted")?;
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("journal entry 1"), "{err}");
    Ok(())
}
