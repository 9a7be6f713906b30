//! Process-level tests of the viewer's start-up failures: each case runs
//! [`sprawl_viewer::run`] in a child process (this same binary, re-executed
//! with `SPRAWL_STARTUP_CASE` set), the way `sprawl view` does, and checks
//! that it exits non-zero with a message a user can act on, and does not
//! panic.
//!
//! - no Vulkan driver (`VK_ICD_FILENAMES` pointing nowhere) and no display:
//!   the message names the software Vulkan packages;
//! - a world file that is not one, and one that does not exist;
//! - no display, with whatever Vulkan the machine has: a display or driver
//!   message, never a panic inside winit or wgpu.
//!
//! None of the cases opens a window, so they run on any machine.
//! A plain `main` (no test harness) so that the binary can re-run itself.

use sprawl_viewer::world::WorldSource;
use sprawl_viewer::{ViewerOptions, run};
use std::path::PathBuf;
use std::process::{Command, ExitCode};

const CASE: &str = "SPRAWL_STARTUP_CASE";
const WORLD: &str = "SPRAWL_STARTUP_WORLD";

/// The child: what `sprawl view FILE` does, then the CLI's error report.
fn child(case: &str) -> ExitCode {
    let world = PathBuf::from(std::env::var_os(WORLD).expect("world path"));
    let source = match case {
        "no-vulkan" | "no-display" => WorldSource::Prompt {
            text: "a small town".into(),
            seed: Some(1),
            file: Some(world),
        },
        _ => WorldSource::Open(world),
    };
    match run(ViewerOptions {
        world: source,
        ..ViewerOptions::default()
    }) {
        Ok(()) => {
            println!("the viewer ran");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one case in a child; returns its exit code and stderr.
fn spawn(case: &str, world: &std::path::Path, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = Command::new(std::env::current_exe().expect("own path"));
    cmd.env(CASE, case)
        .env(WORLD, world)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run the child");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn expect_clear_failure(
    name: &str,
    (code, err): (Option<i32>, String),
    wants: &[&[&str]],
) -> Result<(), String> {
    if code != Some(1) {
        return Err(format!(
            "{name}: exit status {code:?}, wanted 1 (101 is a panic); stderr:\n{err}"
        ));
    }
    if err.contains("panicked") {
        return Err(format!("{name}: panicked:\n{err}"));
    }
    // Drivers print their own `error:` lines (Mesa: XDG_RUNTIME_DIR); one
    // of the report's lines must match one of the alternatives in full.
    let line = err
        .lines()
        .filter(|l| l.starts_with("error: "))
        .find(|l| wants.iter().any(|all| all.iter().all(|w| l.contains(w))));
    let Some(line) = line else {
        return Err(format!(
            "{name}: the message does not say {wants:?}:\n{err}"
        ));
    };
    println!("{name}: ok ({line})");
    Ok(())
}

fn main() -> ExitCode {
    if let Ok(case) = std::env::var(CASE) {
        return child(&case);
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut failures = Vec::new();
    let mut check = |r: Result<(), String>| {
        if let Err(e) = r {
            failures.push(e);
        }
    };

    // No Vulkan driver at all, and no display either.
    check(expect_clear_failure(
        "no Vulkan driver",
        spawn(
            "no-vulkan",
            &dir.path().join("a.sprawl"),
            &[
                ("VK_ICD_FILENAMES", "/nonexistent/icd.json"),
                ("VK_DRIVER_FILES", "/nonexistent/icd.json"),
                ("WGPU_BACKEND", "vulkan"),
            ],
        ),
        &[&["no usable GPU adapter", "mesa-vulkan-drivers libvulkan1"]],
    ));

    // A text file where a world file should be.
    let text = dir.path().join("notes.sprawl");
    std::fs::write(&text, "shopping list\n").expect("write");
    check(expect_clear_failure(
        "not a world file",
        spawn("open", &text, &[]),
        &[&["notes.sprawl", "not a Sprawl world file"]],
    ));

    // A world file that is not there.
    check(expect_clear_failure(
        "missing world file",
        spawn("open", &dir.path().join("nowhere.sprawl"), &[]),
        &[&["nowhere.sprawl", "no such world file"]],
    ));

    // No display, with the machine's own Vulkan (present or not).
    check(expect_clear_failure(
        "no display",
        spawn("no-display", &dir.path().join("b.sprawl"), &[]),
        &[
            &["no display to open a window on", "Xvfb"],
            &["no usable GPU adapter", "mesa-vulkan-drivers libvulkan1"],
        ],
    ));

    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        for f in &failures {
            eprintln!("FAILED {f}");
        }
        ExitCode::FAILURE
    }
}
