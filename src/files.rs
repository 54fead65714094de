//! Folders and files eskalera creates are private to the user it runs as (0700 and 0600): they
//! hold unpublished questions, answers and outgoing mail.

use std::path::Path;

/// Creates `dir` (and its parents) readable by the owner only, or tightens it if it exists.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)?;
    restrict(dir, 0o700)
}

/// Makes an existing file readable by the owner only (a database made by an older version).
pub fn private_file(path: &Path) -> std::io::Result<()> {
    restrict(path, 0o600)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)?;
    if meta.permissions().mode() & 0o777 & !mode != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

/// New files of this process get no group or world access, whatever the caller's umask;
/// SQLite gives its WAL the database's mode, lettre writes the spool with the default.
pub fn private_umask() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: umask only sets the process's file creation mask.
    unsafe {
        libc::umask(0o077);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn folders_and_files_are_made_or_made_private() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let data = dir.path().join("a/b");
        private_dir(&data).unwrap_or_else(|e| panic!("{e}"));
        let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode(&data).ok(), Some(0o700));
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755))
            .unwrap_or_else(|e| panic!("{e}"));
        private_dir(&data).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode(&data).ok(), Some(0o700));
        let f = data.join("x.db");
        std::fs::write(&f, "x").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        private_file(&f).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode(&f).ok(), Some(0o600));
    }
}
