//! The command line against the same database the server uses.

use std::process::{Command, Output};

use crate::common::TestApp;

pub fn eskalera(app: &TestApp, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_eskalera"));
    cmd.args(args)
        .env("ESKALERA_DATABASE_URL", &app.db.url)
        .env("ESKALERA_DATA_DIR", app.db.dir().join("data"))
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn users_and_tokens_from_the_command_line() {
    let app = TestApp::start();
    let o = eskalera(&app, &["migrate"], None);
    assert!(o.status.success(), "{o:?}");
    let o = eskalera(
        &app,
        &[
            "user",
            "add",
            "Karin.Berg@test.se",
            "--name",
            "Karin Berg",
            "--unit",
            "u-lulea-asyl",
            "--member",
            "u-lulea-asyl",
            "--password-stdin",
        ],
        Some("ett långt lösenord\n"),
    );
    assert!(o.status.success(), "{o:?}");
    assert!(stdout(&o).contains("karin.berg@test.se"));
    let o = eskalera(
        &app,
        &[
            "user",
            "add",
            "karin.berg@test.se",
            "--name",
            "K",
            "--unit",
            "u-lulea-asyl",
        ],
        None,
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "a second user with the same e-mail is refused"
    );
    let o = eskalera(
        &app,
        &[
            "user",
            "add",
            "x@test.se",
            "--name",
            "X",
            "--unit",
            "u-nowhere",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown unit"));
    let o = eskalera(
        &app,
        &[
            "user",
            "add",
            "y@test.se",
            "--name",
            "Y",
            "--unit",
            "u-lulea-asyl",
            "--role",
            "boss",
        ],
        None,
    );
    assert!(!o.status.success());

    let o = eskalera(
        &app,
        &[
            "user",
            "set",
            "karin.berg@test.se",
            "--role",
            "legal",
            "--add-member",
            "nn-landinfo",
            "--remove-member",
            "u-lulea-asyl",
        ],
        None,
    );
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    assert!(
        out.contains("role legal") && out.contains("[nn-landinfo]"),
        "{out}"
    );

    let o = eskalera(
        &app,
        &[
            "token",
            "create",
            "karin.berg@test.se",
            "--expires-days",
            "30",
        ],
        None,
    );
    assert!(o.status.success(), "{o:?}");
    let token = stdout(&o).lines().last().unwrap().trim().to_string();
    assert_eq!(token.len(), 64);
    let me = app.get("/api/v1/questions", &token);
    me.ok();
    let o = eskalera(&app, &["token", "list", "karin.berg@test.se"], None);
    let out = stdout(&o);
    assert!(!out.contains(&token), "the token itself is never listed");
    assert_eq!(out.lines().count(), 2, "{out}");
    let o = eskalera(&app, &["token", "revoke", "karin.berg@test.se"], None);
    assert!(stdout(&o).contains("revoked 1"));
    app.get("/api/v1/questions", &token).status(401);
    let o = eskalera(&app, &["reindex"], None);
    assert!(o.status.success(), "{o:?}");
    assert!(
        stdout(&o).contains("rebuilt: 0 questions"),
        "{}",
        stdout(&o)
    );
    let o = eskalera(&app, &["token", "create", "nobody@test.se"], None);
    assert_eq!(o.status.code(), Some(2));
}
