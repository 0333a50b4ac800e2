//! The command line: clap definitions, logging set-up, and the one-shot
//! commands. Errors are printed as `apigend: <message>` and mapped to exit
//! codes here; nothing below this module exits the process.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::check;
use crate::commands;
use crate::config;
use crate::diff::Level;
use crate::diff::cli::Format;
use crate::pipeline::{self, Outcome, RunReport};
use crate::status::{InstanceLock, LockError, RuntimePaths};

/// Keeps typed TypeScript and Python API clients in step with an OpenAPI
/// schema.
#[derive(Debug, Parser)]
#[command(name = "apigend", version, about, long_about = None)]
pub struct Cli {
    /// The config file.
    #[arg(long, short = 'c', global = true, default_value = "apigend.toml", value_name = "FILE")]
    pub config: PathBuf,
    /// Log format on stderr (`RUST_LOG` sets the level).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate the clients of every group (or the named ones) once.
    Generate {
        /// Only these groups (comma-separated or repeated).
        #[arg(long, short = 'g', value_delimiter = ',', value_name = "GROUP")]
        groups: Vec<String>,
    },
    /// The CI gate: fail on stale clients, or on API changes against a base.
    ///
    /// Stale: the generated clients do not match the spec (each file is
    /// named). API changes: against the base, at or above `--fail-on`.
    ///
    /// The base is a git revision (`origin/main`, a SHA, `HEAD~1`: the
    /// project's spec as of that commit, read from git when `spec.path` is
    /// tracked there, else built by `spec.command` in a temporary git
    /// worktree), a spec file, or `archive:VERSION` / `archive:latest`.
    /// Without `--base`, `--fail-on` compares with `archive:latest`.
    ///
    /// Exit status: 0 clean; 1 stale output, or a change at or above
    /// `--fail-on`; 2 a usage, config, spec or git error.
    Check {
        /// What to compare the spec with: a git revision, a spec file, or
        /// archive:VERSION|archive:latest.
        #[arg(long, value_name = "REF|FILE|archive:VERSION")]
        base: Option<String>,
        /// Fail on API changes of this level or above.
        #[arg(long, value_enum, value_name = "LEVEL")]
        fail_on: Option<Level>,
        /// Output format (`github`: annotations, and the Markdown report
        /// appended to $GITHUB_STEP_SUMMARY).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Compare two spec files and report what changed and what breaks.
    Diff {
        /// The old spec.
        old: PathBuf,
        /// The new spec.
        new: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Exit 1 when a change of this level or above is found.
        #[arg(long, value_enum, value_name = "LEVEL")]
        fail_on: Option<Level>,
    },
    /// Watch the backend and regenerate what a change affects (the daemon).
    Watch,
    /// Print the daemon's state, the last run per group and the last error.
    Status,
    /// Ask the running daemon to regenerate now (or run once without one).
    Regen {
        /// Only these groups (comma-separated or repeated).
        #[arg(long, short = 'g', value_delimiter = ',', value_name = "GROUP")]
        groups: Vec<String>,
        /// Wait for the run and print its result.
        #[arg(long)]
        wait: bool,
    },
    /// List, show and restore archived versions.
    #[command(subcommand)]
    Archive(ArchiveCommand),
}

/// `apigend archive …`.
#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Versions with time, verdict, changed groups and trigger.
    List,
    /// Print a version's report (`latest` for the newest).
    Show {
        /// Version id, as `archive list` prints it.
        version: String,
    },
    /// Put a version's files back in the output directories.
    Restore {
        /// Version id, as `archive list` prints it.
        version: String,
        /// Only these groups (comma-separated or repeated).
        #[arg(long, short = 'g', value_delimiter = ',', value_name = "GROUP")]
        groups: Vec<String>,
    },
}

/// Entry point of the binary.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(&cli) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("apigend: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder.with_target(false).without_time().try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

fn run(cli: &Cli) -> Result<ExitCode, String> {
    match &cli.command {
        Command::Generate { groups } => {
            let cfg = config::load(&cli.config).map_err(|e| e.to_string())?;
            // The daemon's lock: a generate beside a running daemon would
            // write the same output at the same time, so hand the run over.
            let _lock = match RuntimePaths::for_config(&cli.config)
                .map(|p| InstanceLock::try_acquire(&p))
            {
                Ok(Ok(lock)) => Some(lock),
                Ok(Err(LockError::Held(pid))) => {
                    eprintln!(
                        "apigend: a daemon{} is watching this project; asking it to regenerate",
                        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
                    );
                    return crate::daemon::regen(&cli.config, groups, true);
                }
                // No usable runtime directory: nothing can be racing us
                // through it either.
                Ok(Err(LockError::Io(_))) | Err(_) => None,
            };
            let report = pipeline::run(&cfg, groups, "generate").map_err(|e| e.to_string())?;
            print_report(&report);
            Ok(if report.failed() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Diff { old, new, format, fail_on } => {
            let out = crate::diff::cli::run_diff_command(old, new, *format, *fail_on)?;
            print!("{}", out.text);
            Ok(out.exit_code())
        }
        Command::Check { base, fail_on, format } => {
            let req = check::Request {
                base: base.as_deref().map(check::Base::parse),
                fail_on: *fail_on,
                format: *format,
            };
            // Any error of the gate exits 2, apart from the 1 of a failed
            // check, so CI can tell "breaking" from "broken".
            let checked = config::load(&cli.config)
                .map_err(|e| e.to_string())
                .and_then(|cfg| check::check(&cfg, &req));
            match checked {
                Ok(c) => {
                    print!("{}", c.text);
                    Ok(c.exit_code())
                }
                Err(msg) => {
                    eprintln!("apigend: {msg}");
                    Ok(ExitCode::from(check::ERROR_EXIT))
                }
            }
        }
        Command::Archive(a) => {
            let cfg = config::load(&cli.config).map_err(|e| e.to_string())?;
            let text = match a {
                ArchiveCommand::List => commands::archive_list(&cfg)?,
                ArchiveCommand::Show { version } => commands::archive_show(&cfg, version)?,
                ArchiveCommand::Restore { version, groups } => {
                    commands::archive_restore(&cfg, version, groups)?
                }
            };
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Watch => {
            crate::daemon::watch(&cli.config).map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status => crate::status::print(&cli.config),
        Command::Regen { groups, wait } => crate::daemon::regen(&cli.config, groups, *wait),
    }
}

fn print_report(r: &RunReport) {
    for w in &r.warnings {
        tracing::warn!("{w}");
    }
    if !r.unassigned_apps.is_empty() {
        tracing::warn!(
            "operations of these apps are in no group: {} (add them to a group's `apps`, or \"*\")",
            r.unassigned_apps.join(", ")
        );
    }
    for j in &r.jobs {
        let what = format!("{}/{}", j.group, j.language.as_str());
        match &j.outcome {
            Outcome::UpToDate => println!("{what}: up to date ({})", j.dir.display()),
            Outcome::Written(s) => println!(
                "{what}: {} written, {} unchanged, {} removed ({})",
                s.written.len(),
                s.unchanged,
                s.deleted.len(),
                j.dir.display()
            ),
            Outcome::Failed(e) => eprintln!("apigend: {what}: {e}"),
        }
    }
    if let Some(id) = &r.archived {
        println!("archived as version {id}");
    }
    if let Some(e) = &r.archive_error {
        eprintln!("apigend: archive: {e}");
    }
}
