//! Coder's app registry (`codersdk/appname.go` of the connection-method generation): the clients a connection
//! log names, their family and display name. One data table, like the filter keys, because Coder's list
//! changes between releases. It drives the deprecated `type` of a connection (its compatibility category),
//! the `type:` filter's `vscode` / `jetbrains` / `ssh` categories, and `app_display_name`.

/// A client family: the connection types of older Coder versions that `ssh` connections by these apps were.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Vscode,
    Jetbrains,
    Ssh,
    ReconnectingPty,
}

impl Family {
    /// The compatibility category of an `ssh` connection by an app of this family (`type`, deprecated).
    pub fn category(self) -> &'static str {
        match self {
            Family::Vscode => "vscode",
            Family::Jetbrains => "jetbrains",
            Family::Ssh => "ssh",
            Family::ReconnectingPty => "reconnecting_pty",
        }
    }
}

pub struct App {
    pub name: &'static str,
    pub family: Family,
    /// `None`: not in Coder's registry, only in its down migration's family lists (no display name of its own).
    pub display_name: Option<&'static str>,
}

const fn app(name: &'static str, family: Family, display_name: &'static str) -> App {
    App { name, family, display_name: Some(display_name) }
}

const fn member(name: &'static str, family: Family) -> App {
    App { name, family, display_name: None }
}

use Family::*;

pub static APPS: &[App] = &[
    app("vscode", Vscode, "VS Code"),
    app("vscode_insiders", Vscode, "VS Code Insiders"),
    app("vscode_web", Vscode, "VS Code Web"),
    app("code_server", Vscode, "code-server"),
    app("cursor", Vscode, "Cursor"),
    app("windsurf", Vscode, "Windsurf"),
    app("positron", Vscode, "Positron"),
    app("vscodium", Vscode, "VSCodium"),
    app("codium", Vscode, "VSCodium"),
    app("antigravity", Vscode, "Antigravity"),
    app("trae", Vscode, "Trae"),
    app("kiro", Vscode, "Kiro"),
    app("devin", Vscode, "Devin"),
    app("jetbrains", Jetbrains, "JetBrains"),
    app("zed", Ssh, "Zed"),
    app("ssh", Ssh, "SSH"),
    app("reconnecting_pty", ReconnectingPty, "Web Terminal"),
    // Coder's down migration folds these into the old enum's vscode and jetbrains types too.
    member("code_oss", Vscode),
    member("vscodium_insiders", Vscode),
    member("devin_next", Vscode),
    member("trae_cn", Vscode),
    member("intellij", Jetbrains),
    member("pycharm", Jetbrains),
    member("goland", Jetbrains),
    member("webstorm", Jetbrains),
    member("phpstorm", Jetbrains),
    member("rubymine", Jetbrains),
    member("clion", Jetbrains),
    member("rider", Jetbrains),
    member("rustrover", Jetbrains),
    member("datagrip", Jetbrains),
    member("dataspell", Jetbrains),
    member("mps", Jetbrains),
    member("android_studio", Jetbrains),
];

pub fn find(name: &str) -> Option<&'static App> {
    APPS.iter().find(|a| a.name == name)
}

/// The app names of a family, for the `type:` filter.
pub fn family(f: Family) -> Vec<String> {
    APPS.iter().filter(|a| a.family == f).map(|a| a.name.to_string()).collect()
}

/// The deprecated `type` filter's categories when connection logs record methods (Coder lists them sorted).
pub const CATEGORIES: &[&str] =
    &["jetbrains", "port_forwarding", "reconnecting_pty", "ssh", "tunnel", "vscode", "workspace_app"];

/// The method of a `type:` category's connections: `vscode`, `jetbrains` and `ssh` are `ssh` connections
/// (told apart by their app); every other category is its method.
pub fn method_of(category: &str) -> &str {
    match category {
        "vscode" | "jetbrains" => "ssh",
        other => other,
    }
}

/// The deprecated `type` of a connection: for `ssh`, its app's compatibility category (`vscode`, `jetbrains`,
/// else `ssh`); for every other method, the method.
pub fn compatibility_type<'a>(method: &'a str, app: Option<&str>) -> &'a str {
    if method != "ssh" {
        return method;
    }
    match app.and_then(find).map(|a| a.family) {
        Some(Vscode) => "vscode",
        Some(Jetbrains) => "jetbrains",
        _ => "ssh",
    }
}

/// `app_display_name`: the registry's name for a known app, else the (already normalised) name itself.
pub fn display_name(name: &str) -> &str {
    find(name).and_then(|a| a.display_name).unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_is_consistent() {
        let mut names: Vec<_> = APPS.iter().map(|a| a.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), APPS.len(), "an app is listed twice");
        let mut sorted = CATEGORIES.to_vec();
        sorted.sort();
        assert_eq!(sorted, CATEGORIES);
        assert_eq!(family(Vscode).len(), 17);
        assert_eq!(family(Jetbrains).len(), 14);
    }

    #[test]
    fn compatibility_types_follow_the_family() {
        assert_eq!(compatibility_type("ssh", Some("cursor")), "vscode");
        assert_eq!(compatibility_type("ssh", Some("pycharm")), "jetbrains");
        assert_eq!(compatibility_type("ssh", Some("zed")), "ssh");
        assert_eq!(compatibility_type("ssh", Some("my_tool")), "ssh");
        assert_eq!(compatibility_type("ssh", None), "ssh");
        assert_eq!(compatibility_type("tunnel", Some("vscode")), "tunnel");
        assert_eq!(compatibility_type("reconnecting_pty", None), "reconnecting_pty");
        assert_eq!(display_name("code_server"), "code-server");
        assert_eq!(display_name("pycharm"), "pycharm");
        assert_eq!(display_name("my_tool"), "my_tool");
    }
}
