//! The command line: clap definitions, logging set-up, and the one-shot
//! commands. Errors are printed as `apigend: <message>` and mapped to exit
//! codes here; nothing below this module exits the process.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::commands;
use crate::config;
use crate::daemon::{Writer, take_writer_lock};
use crate::diff::Level;
use crate::diff::cli::Format;
use crate::pipeline::{self, Outcome, RunReport};

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
        /// Replace files in the output directories that apigend did not
        /// write, to take a folder over on purpose (once; later runs know
        /// the files as apigend's).
        #[arg(long)]
        adopt: bool,
    },
    /// Exit non-zero when the committed output is stale against the spec
    /// (like `cargo fmt --check`), or when the API changed at or above
    /// `--fail-on` against the newest archive version.
    Check {
        /// Also fail on API changes of this level or above.
        #[arg(long, value_enum, value_name = "LEVEL")]
        fail_on: Option<Level>,
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
            // Through the logger in JSON, so every line a service manager
            // collects parses (the lock refusal included).
            if cli.log_format == LogFormat::Json {
                tracing::error!("{msg}");
            } else {
                eprintln!("apigend: {msg}");
            }
            ExitCode::FAILURE
        }
    }
}

/// How human-format log lines look where they go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanStyle {
    /// ANSI colours.
    pub ansi: bool,
    /// A timestamp in front of each line.
    pub time: bool,
}

/// Colour only on a terminal (a log file or a pipe gets plain text).
/// Timestamps only where nothing else adds them: a terminal needs none,
/// and journald stamps each line itself (systemd sets `JOURNAL_STREAM` when
/// stderr goes to the journal); launchd writes stderr to its
/// `StandardErrorPath` file as is, so there (and in any other log file)
/// apigend stamps the lines.
#[must_use]
pub fn human_style(
    stderr_is_terminal: bool,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> HumanStyle {
    let journald = env("JOURNAL_STREAM").is_some_and(|v| !v.is_empty());
    let launchd = env("XPC_SERVICE_NAME").is_some_and(|v| !v.is_empty() && v != "0");
    HumanStyle { ansi: stderr_is_terminal, time: launchd || !(stderr_is_terminal || journald) }
}

fn init_logging(format: LogFormat) {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let style = human_style(std::io::stderr().is_terminal(), |k| std::env::var_os(k));
    let _ = match format {
        LogFormat::Human if style.time => {
            builder.with_target(false).with_ansi(style.ansi).try_init()
        }
        LogFormat::Human => {
            builder.with_target(false).with_ansi(style.ansi).without_time().try_init()
        }
        LogFormat::Json => builder.json().with_ansi(false).try_init(),
    };
}

fn run(cli: &Cli) -> Result<ExitCode, String> {
    match &cli.command {
        Command::Generate { groups, adopt } => {
            let mut cfg = config::load(&cli.config).map_err(|e| e.to_string())?;
            cfg.adopt |= *adopt;
            // An unknown group writes nothing, not even the lock.
            pipeline::select_groups(&cfg, groups).map_err(|e| e.to_string())?;
            // One writer per project: a daemon gets the run handed over,
            // another one-shot writer is waited for.
            let _lock = match take_writer_lock(&cfg, "generate")? {
                Writer::Lock(lock) => lock,
                Writer::Daemon(h, _) if *adopt => {
                    // The daemon runs with its own config: it would not
                    // adopt, and the run would fail on the same files.
                    return Err(format!(
                        "{}: {} is watching this project, and `--adopt` cannot be handed \
                         to it; set `adopt = true` in the config and reload it (SIGHUP), or stop \
                         the daemon and run `apigend generate --adopt`",
                        cli.config.display(),
                        h.describe()
                    ));
                }
                Writer::Daemon(h, socket) => {
                    tracing::info!(
                        "{} is watching this project; asking it to regenerate",
                        h.describe()
                    );
                    return crate::daemon::regen_via(&socket, groups, true);
                }
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
        Command::Check { fail_on } => {
            let cfg = config::load(&cli.config).map_err(|e| e.to_string())?;
            let (text, ok) = commands::check(&cfg, *fail_on)?;
            print!("{text}");
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Archive(a) => {
            let cfg = config::load(&cli.config).map_err(|e| e.to_string())?;
            let text = match a {
                ArchiveCommand::List => commands::archive_list(&cfg)?,
                ArchiveCommand::Show { version } => commands::archive_show(&cfg, version)?,
                ArchiveCommand::Restore { version, groups } => {
                    match take_writer_lock(&cfg, "archive restore")? {
                        Writer::Lock(_lock) => commands::archive_restore(&cfg, version, groups)?,
                        // The daemon restores between its runs and keeps
                        // the restored version as its baseline.
                        Writer::Daemon(h, socket) => {
                            tracing::info!(
                                "{} is watching this project; handing the restore to it",
                                h.describe()
                            );
                            crate::daemon::restore_via(&socket, version, groups)?
                        }
                    }
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
            Outcome::Failed(e) => tracing::error!("{what}: {e}"),
        }
    }
    // The run's API changes, after the per-group lines.
    for c in &r.changes {
        c.log();
    }
    if let Some(id) = &r.archived {
        println!("archived as version {id}");
    }
    if let Some(e) = &r.archive_error {
        tracing::warn!("archive: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_style_follows_where_stderr_goes() {
        use std::ffi::OsString;
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| OsString::from(*v))
        };
        let terminal = human_style(true, env(&[]));
        assert_eq!(terminal, HumanStyle { ansi: true, time: false });
        let file = human_style(false, env(&[]));
        assert_eq!(file, HumanStyle { ansi: false, time: true }, "a log file: stamped, no colour");
        let journal = human_style(false, env(&[("JOURNAL_STREAM", "8:12345")]));
        assert_eq!(journal, HumanStyle { ansi: false, time: false }, "journald stamps itself");
        let launchd = human_style(false, env(&[("XPC_SERVICE_NAME", "com.apigend.p")]));
        assert_eq!(launchd, HumanStyle { ansi: false, time: true }, "launchd does not");
    }
}
