//! `aime-v2-real/json/*.json`: mlc 2.2.0 recorded against a real dockerd.
//!
//! The state before a session is only the `containers_before` table (NAMES IMAGE STATUS); each
//! container's labels come from the `inspect` of the latest session (in recording order, at or
//! before this one) that showed it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::quote::command_programs;
use super::{is_help_command, SetInfo};
use crate::error::{Context, Error, Result};
use crate::session::{
    ContainerSpec, Expected, ExpectedExit, FakeApt, Format, Invocation, Mode, Session, State,
    StreamRule, Trigger, TypedInput, User, WantStatus,
};

pub fn set_info() -> SetInfo {
    let mut dirs = Vec::new();
    for d in ["", "/workspace", "/ws", "/data", "/models"] {
        dirs.push((format!("/home/john{d}"), 1001));
    }
    for d in ["", "/workspace"] {
        dirs.push((format!("/home/jane{d}"), 1002));
    }
    SetInfo {
        users: vec![("john".into(), 1001), ("jane".into(), 1002)],
        dirs,
    }
}

/// A stream as stored: a string, `null`, or `{"base64": …}` for non-UTF-8 bytes.
#[derive(Deserialize)]
#[serde(untagged)]
enum Text {
    Plain(String),
    Base64 { base64: String },
}

impl Text {
    fn into_string(self) -> Result<String> {
        match self {
            Text::Plain(s) => Ok(s),
            Text::Base64 { base64 } => {
                let bytes = decode_base64(&base64)?;
                Ok(String::from_utf8_lossy(&bytes).into_owned())
            }
        }
    }
}

#[derive(Deserialize)]
struct Typed {
    #[serde(default)]
    after_prompt_regex: Option<String>,
    #[serde(default)]
    auto_reply_to: Option<String>,
    typed: String,
}

#[derive(Deserialize)]
struct Recording {
    command: String,
    user: String,
    uid: u32,
    gid: u32,
    #[serde(default)]
    groups: Vec<u32>,
    loginuid: Option<u32>,
    cwd: String,
    mode: String,
    env: BTreeMap<String, String>,
    stdin: Option<Text>,
    typed: Option<Vec<Typed>>,
    #[serde(default)]
    containers_before: String,
    stdout: Option<Text>,
    stderr: Option<Text>,
    pty_output: Option<Text>,
    exit: i32,
    #[serde(default)]
    inspect: BTreeMap<String, Value>,
    #[serde(default)]
    docker_calls: Vec<DockerCall>,
    #[serde(default)]
    docker_shim_mode: Option<String>,
    #[serde(default)]
    recorder_actions_before: Vec<String>,
}

/// One docker command the tool ran, as the recorder's shim logged it.
#[derive(Deserialize)]
struct DockerCall {
    argv: Vec<String>,
    exit: i32,
    /// Answered by the shim, not sent to the daemon (`MLC_REC_FAKE_PULL`).
    #[serde(default)]
    simulated: bool,
}

/// The images of the session's successful `docker pull`s, and whether the shim made them up
/// (its answer has no `Digest:` line).
fn successful_pulls(calls: &[DockerCall]) -> (Vec<String>, bool) {
    let pulls: Vec<&DockerCall> = calls
        .iter()
        .filter(|c| c.exit == 0 && c.argv.len() == 2 && c.argv[0] == "pull")
        .collect();
    let simulated = pulls.iter().any(|c| c.simulated);
    (pulls.iter().map(|c| c.argv[1].clone()).collect(), simulated)
}

/// Parse every `json/*.json` of the set directory, in recording (file name) order.
pub fn parse_dir(dir: &Path, set: &str) -> Result<Vec<Session>> {
    let json_dir = dir.join("json");
    let mut files: Vec<_> = std::fs::read_dir(&json_dir)
        .ctx(json_dir.display())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    // name -> what the latest inspect seen so far showed.
    let mut known: BTreeMap<String, Known> = BTreeMap::new();
    let mut jobs = BackgroundJobs::default();
    let mut sessions = Vec::new();
    for path in files {
        let name = super::session_name(&path)?;
        let parsed = std::fs::read_to_string(&path)
            .ctx(path.display())
            .and_then(|text| {
                serde_json::from_str::<Recording>(&text).ctx(format!("parsing {}", path.display()))
            });
        let session = match parsed {
            Ok(rec) => {
                let setup_ran = rec.docker_shim_mode.as_deref() == Some("runnable");
                for (cname, value) in &rec.inspect {
                    if let Some(info) = inspect_known(value, setup_ran) {
                        known.insert(cname.clone(), info);
                    }
                }
                let typed_jobs = jobs.typed(&rec);
                let reset = rec.recorder_actions_before.clone();
                convert(&path, set, &name, rec, &known).map(|mut session| {
                    jobs.apply(&mut session, &reset);
                    jobs.add(typed_jobs);
                    session
                })
            }
            Err(e) => Err(e),
        };
        sessions.push(
            session.unwrap_or_else(|e| super::broken(&path, set, &name, Format::AimeV2Real, e)),
        );
    }
    Ok(sessions)
}

/// What a recorded `docker inspect` says about a container that its replay must rebuild.
#[derive(Clone, Debug)]
struct Known {
    labels: BTreeMap<String, String>,
    group_add: Vec<String>,
    /// mlc's setup added this account to the image (name, uid, gid).
    account: Option<(String, u32, u32)>,
}

/// `setup_ran`: the inspecting session's shim made the setup `docker run` runnable, so the
/// image holds the user's account (faithful sessions' setup never started).
fn inspect_known(v: &Value, setup_ran: bool) -> Option<Known> {
    let config = v.get("Config")?;
    let labels: BTreeMap<String, String> = config
        .get("Labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default();
    // A container's inspect names its image (other objects' do not).
    config.get("Image")?.as_str()?;
    let group_add = v
        .pointer("/HostConfig/GroupAdd")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let account = setup_ran
        .then(|| {
            let (uid, gid) = config.get("User")?.as_str()?.split_once(':')?;
            let name = labels.get("aime.mlc.USER")?.clone();
            Some((name, uid.parse().ok()?, gid.parse().ok()?))
        })
        .flatten();
    Some(Known {
        labels,
        group_add,
        account,
    })
}

/// Background jobs typed into a container's shell (`mlc open NAME` with a line ending in
/// `&`, as `setsid sleep 600 >/dev/null 2>&1 &` in session 145): they keep running, and
/// `docker top` lists them, while the container runs on (its status stays `Up` and no
/// recorder action touches it).
#[derive(Default)]
struct BackgroundJobs {
    /// container → jobs beyond its own process
    running: BTreeMap<String, u32>,
}

impl BackgroundJobs {
    /// The jobs a session typed: (container, count).
    fn typed(&self, rec: &Recording) -> Option<(String, u32)> {
        let words: Vec<&str> = rec.command.split_whitespace().collect();
        let [_, "open", name, ..] = words.as_slice() else {
            return None;
        };
        let count = rec
            .typed
            .iter()
            .flatten()
            .filter(|t| t.auto_reply_to.is_none() && t.typed.trim_end().ends_with('&'))
            .count() as u32;
        (count > 0).then(|| (format!("{name}._.{}", rec.uid), count))
    }

    /// Give the session's running containers their jobs; forget those of stopped ones and
    /// of containers the recorder acted on.
    fn apply(&mut self, session: &mut Session, recorder_actions: &[String]) {
        let State::Containers(specs) = &mut session.state else {
            return;
        };
        self.running.retain(|name, _| {
            let touched = recorder_actions.iter().any(|a| a.contains(name.as_str()));
            let up = specs
                .iter()
                .any(|c| &c.name == name && c.status == WantStatus::Running);
            up && !touched
        });
        for spec in specs.iter_mut() {
            if let Some(n) = self.running.get(&spec.name) {
                spec.procs = 1 + n;
                session.notes.push(format!(
                    "{} runs {n} job(s) an earlier session left",
                    spec.name
                ));
            }
        }
    }

    fn add(&mut self, typed: Option<(String, u32)>) {
        if let Some((name, n)) = typed {
            *self.running.entry(name).or_default() += n;
        }
    }
}

fn convert(
    path: &Path,
    set: &str,
    name: &str,
    rec: Recording,
    known: &BTreeMap<String, Known>,
) -> Result<Session> {
    let mode = match rec.mode.as_str() {
        "pipe" => Mode::Pipe,
        "pty" => Mode::Pty,
        "pty-stderr" => Mode::PtyStderr,
        other => return Err(Error::msg(format!("unknown mode {other:?}"))),
    };
    let mut notes = Vec::new();
    if rec.env.contains_key("MLC_REC_FAKE_PULL") {
        notes.push("the recorder's docker shim simulated a successful pull".into());
    }
    // FAKE_APT_CUDA selected the stand-in apt's answer; it stays in the environment as recorded.
    let fake_apt_cuda = rec.env.get("FAKE_APT_CUDA").cloned();
    let env: Vec<(String, String)> = rec
        .env
        .into_iter()
        .filter(|(k, _)| !k.starts_with("MLC_REC_"))
        .collect();

    let mut typed = Vec::new();
    let mut cursor_replies = Vec::new();
    for t in rec.typed.unwrap_or_default() {
        if t.auto_reply_to.is_some() {
            cursor_replies.push(t.typed.into_bytes());
        } else if let Some(re) = t.after_prompt_regex {
            typed.push(TypedInput {
                trigger: trigger_from_regex(&re),
                keys: t.typed.into_bytes(),
            });
        }
    }
    let containers = parse_containers_before(&rec.containers_before, known, &mut notes)?;
    let stdout = rec.stdout.map(Text::into_string).transpose()?;
    let stderr = rec.stderr.map(Text::into_string).transpose()?;
    let pty = rec.pty_output.map(Text::into_string).transpose()?;
    let (pulls, pull_digest_omitted) = successful_pulls(&rec.docker_calls);
    let programs = command_programs(&rec.command);
    let help = is_help_command(&rec.command, false);
    Ok(Session {
        id: format!("{set}/{name}"),
        set: set.into(),
        name: name.into(),
        source: path.to_path_buf(),
        format: Format::AimeV2Real,
        command_line: rec.command.clone(),
        invocation: Invocation::Shell(rec.command),
        programs,
        user: User {
            name: rec.user,
            uid: rec.uid,
            gid: rec.gid,
            groups: rec.groups,
            loginuid: rec.loginuid,
        },
        cwd: rec.cwd,
        env,
        mode,
        pty_size: (24, 80),
        stdin: rec
            .stdin
            .map(Text::into_string)
            .transpose()?
            .map(String::into_bytes),
        typed,
        cursor_replies,
        state: State::Containers(containers),
        engine_down: false,
        setup: Vec::new(),
        expected: Expected {
            stdout,
            stderr,
            pty,
            exit: ExpectedExit::Code(rec.exit),
            stdout_rule: StreamRule::Exact,
            stderr_rule: StreamRule::Exact,
            fake_docker_lines: false,
        },
        help,
        notes,
        unsupported: None,
        apt: Some(fake_apt(fake_apt_cuda.as_deref())),
        fake_nvidia_smi: false,
        recorded_secs: None,
        pulls,
        pull_digest_omitted,
        mlc_checkout: None,
    })
}

/// The recorder's stand-in `apt list --installed` (README "GPU architecture"): CUDA 12.4 by
/// default, `FAKE_APT_CUDA=11-8|12-8|11-9|none|rocm6` for other hosts.
pub fn fake_apt(variant: Option<&str>) -> FakeApt {
    let mut lines = vec!["Listing...".to_owned()];
    let cuda = |v: &str| {
        vec![
            format!(
                "cuda-{v}/unknown,now {}.1-1 amd64 [installed]",
                v.replace('-', ".")
            ),
            "cuda-drivers-550/unknown,now 550.127.08-1 amd64 [installed,automatic]".to_owned(),
            format!(
                "cuda-toolkit-{v}/unknown,now {}.1-1 amd64 [installed,automatic]",
                v.replace('-', ".")
            ),
        ]
    };
    match variant.unwrap_or("12-4") {
        "none" => {}
        "rocm6" => {
            lines.push(
                "rocm-core/jammy,now 6.3.3.60303-74~22.04 amd64 [installed,automatic]".into(),
            );
            lines.push("rocm-dev/jammy,now 6.3.3.60303-74~22.04 amd64 [installed]".into());
        }
        v => lines.extend(cuda(v)),
    }
    lines.push("bash/jammy,now 5.1-6ubuntu1 amd64 [installed]".into());
    FakeApt {
        stdout: lines.join("\n") + "\n",
        rc: 0,
    }
}

/// `Enter\ the\ number:\ $` (Python `re.escape(text) + "$"`) → ends-with "Enter the number: ".
pub fn trigger_from_regex(re: &str) -> Trigger {
    let (body, anchored) = match re.strip_suffix('$') {
        Some(b) if !b.ends_with('\\') || b.ends_with("\\\\") => (b, true),
        _ => (re, false),
    };
    let mut lit = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                lit.push(n);
            }
        } else {
            lit.push(c);
        }
    }
    if anchored {
        Trigger::EndsWith(lit)
    } else {
        Trigger::Contains(lit)
    }
}

/// The `containers_before` table: `NAMES  IMAGE  STATUS`, cut at the header's columns.
fn parse_containers_before(
    table: &str,
    known: &BTreeMap<String, Known>,
    notes: &mut Vec<String>,
) -> Result<Vec<ContainerSpec>> {
    let mut lines = table.lines();
    let Some(header) = lines.next() else {
        return Ok(Vec::new());
    };
    let image_at = header
        .find("IMAGE")
        .ok_or_else(|| Error::msg(format!("bad containers_before header {header:?}")))?;
    let status_at = header
        .find("STATUS")
        .ok_or_else(|| Error::msg(format!("bad containers_before header {header:?}")))?;
    let mut out = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cut = |from: usize, to: Option<usize>| -> String {
            let end = to.unwrap_or(line.len()).min(line.len());
            line.get(from.min(end)..end).unwrap_or("").trim().to_owned()
        };
        let name = cut(0, Some(image_at));
        let image = cut(image_at, Some(status_at));
        let status_text = cut(status_at, None);
        let status = parse_status(&status_text)?;
        let (labels, group_add, account) = match known.get(&name) {
            Some(k) => (k.labels.clone(), k.group_add.clone(), k.account.clone()),
            None => {
                notes.push(format!(
                    "no recorded inspect of {name}: labels derived from its name"
                ));
                (derived_labels(&name, &image), Vec::new(), None)
            }
        };
        out.push(ContainerSpec {
            name,
            image,
            labels,
            status,
            procs: 1,
            group_add,
            account,
        });
    }
    Ok(out)
}

/// `Up 2 seconds` / `Exited (137) 3 seconds ago` / `Created`.
pub fn parse_status(s: &str) -> Result<WantStatus> {
    if s.starts_with("Up") {
        Ok(WantStatus::Running)
    } else if s.starts_with("Created") {
        Ok(WantStatus::Created)
    } else if let Some(rest) = s.strip_prefix("Exited (") {
        let code = rest
            .split(')')
            .next()
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| Error::msg(format!("bad status {s:?}")))?;
        Ok(WantStatus::Exited(code))
    } else {
        Err(Error::msg(format!("unknown container status {s:?}")))
    }
}

/// Best-effort mlc labels for a container `<name>._.<uid>` never inspected in the recording.
fn derived_labels(container: &str, image: &str) -> BTreeMap<String, String> {
    let (short, uid) = container.split_once("._.").unwrap_or((container, ""));
    let user = match uid {
        "1002" => "jane",
        _ => "john",
    };
    let framework = image
        .split('/')
        .nth(1)
        .and_then(|r| r.split(':').next())
        .map(|r| {
            let mut it = r.split('-');
            let fw = it.next().unwrap_or("");
            let ver = it.next().unwrap_or("");
            let mut fw_cap = fw.to_owned();
            if let Some(f) = fw_cap.get_mut(0..1) {
                f.make_ascii_uppercase();
            }
            format!("{fw_cap}-{ver}")
        })
        .unwrap_or_default();
    let mut l = BTreeMap::new();
    l.insert("aime.mlc".into(), user.into());
    l.insert("aime.mlc.NAME".into(), short.into());
    l.insert("aime.mlc.USER".into(), user.into());
    l.insert("aime.mlc.ARCH".into(), "CUDA_ADA".into());
    l.insert("aime.mlc.MLC_VERSION".into(), "4".into());
    l.insert(
        "aime.mlc.WORK_MOUNT".into(),
        format!("/home/{user}/workspace"),
    );
    l.insert("aime.mlc.DATA_MOUNT".into(), "-".into());
    l.insert("aime.mlc.MODELS_MOUNT".into(), "-".into());
    l.insert("aime.mlc.FRAMEWORK".into(), framework);
    l.insert("aime.mlc.GPUS".into(), "all".into());
    l
}

fn decode_base64(s: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(Error::msg("bad base64")),
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::test_support::shared_compat;

    fn sessions() -> Option<Vec<Session>> {
        let dir = shared_compat()?.join("aime-v2-real");
        Some(parse_dir(&dir, "aime-v2-real").unwrap())
    }

    fn find<'a>(all: &'a [Session], name: &str) -> &'a Session {
        all.iter().find(|s| s.name == name).unwrap()
    }

    #[test]
    fn all_sessions_parse() {
        let Some(all) = sessions() else {
            return;
        };
        assert_eq!(all.len(), 143);
        assert!(
            all.iter().all(|s| s.unsupported.is_none()),
            "{:?}",
            all.iter()
                .filter_map(|s| s.unsupported.clone())
                .collect::<Vec<_>>()
        );
        assert!(all.windows(2).all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn pipe_session() {
        let Some(all) = sessions() else {
            return;
        };
        let s = find(&all, "070-create-s-w");
        assert_eq!(
            s.invocation,
            Invocation::Shell("mlc create demo Pytorch 2.5.1 -s -w /home/john/ws".into())
        );
        assert_eq!(s.programs, ["mlc"]);
        assert_eq!(s.user.uid, 1001);
        assert_eq!(s.user.groups, [105, 1001]);
        assert_eq!(s.mode, Mode::Pipe);
        assert!(s.env.iter().all(|(k, _)| !k.starts_with("MLC_REC_")));
        assert!(s.state.is_empty());
        assert!(s.mutates());
        assert!(s
            .expected
            .stdout
            .as_deref()
            .unwrap()
            .starts_with("Using default tag: latest\n"));
        assert!(s.apt.as_ref().unwrap().stdout.contains("cuda-12-4/"));
    }

    #[test]
    fn state_from_inspect() {
        let Some(all) = sessions() else {
            return;
        };
        let s = find(&all, "120-remove-s");
        let State::Containers(c) = &s.state else {
            panic!()
        };
        assert_eq!(c.len(), 15);
        let demo6 = c.iter().find(|c| c.name == "demo6._.1001").unwrap();
        assert_eq!(demo6.status, WantStatus::Created);
        assert_eq!(
            demo6.image,
            "aimehub/pytorch-2.5.1-aime-cuda12.1.1:demo6._.1001"
        );
        assert_eq!(demo6.labels["aime.mlc.GPUS"], "device=0");
        let s = find(&all, "151-remove-running-s");
        let State::Containers(c) = &s.state else {
            panic!()
        };
        assert_eq!(c[1].status, WantStatus::Running);
        assert_eq!(
            parse_status("Exited (137) 3 seconds ago").unwrap(),
            WantStatus::Exited(137)
        );
    }

    #[test]
    fn pty_typed_and_cursor_replies() {
        let Some(all) = sessions() else {
            return;
        };
        let s = find(&all, "143-open-s-pty");
        assert_eq!(s.mode, Mode::Pty);
        assert!(s.expected.pty.is_some());
        assert_eq!(s.typed[0].trigger, Trigger::EndsWith("$ ".into()));
        assert_eq!(s.typed[0].keys, b"id\n");
        assert_eq!(s.cursor_replies[0], b"\x1b[24;26R");
        let s = find(&all, "093-create-interactive-pty-stderr");
        assert_eq!(s.mode, Mode::PtyStderr);
        assert_eq!(
            s.typed[0].trigger,
            Trigger::EndsWith("Provide the new location of the WORKSPACE directory: ".into())
        );
        let s = find(&all, "023-no-loginuid-pipe");
        assert_eq!(s.user.loginuid, None);
        let s = find(&all, "011-list-h");
        assert!(s.help);
        assert!(s.parallel_safe());
    }

    #[test]
    fn regex_triggers() {
        assert_eq!(
            trigger_from_regex("Are\\ you\\ sure\\(y/N\\)\\?:\\ $"),
            Trigger::EndsWith("Are you sure(y/N)?: ".into())
        );
        assert_eq!(trigger_from_regex("abc"), Trigger::Contains("abc".into()));
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
    }
}
