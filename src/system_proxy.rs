//! Which proxy to use: the environment's variables as curl reads them and,
//! on Windows when none of them is set, the user's system setting (the one
//! Internet Options and group policy write).
//!
//! The Windows setting is read with `WinHttpGetIEProxyConfigForCurrentUser`,
//! which Windows has had since XP: the registry crate hyper-util reads it
//! with imports `RoOriginateErrorW`, which Windows 7 lacks, and the DLLs must
//! load there (docs/windows.md).
// The setting's parser is tested on every system and used on Windows.
#![cfg_attr(not(windows), allow(dead_code))]

use hyper_util::client::proxy::matcher::Matcher;

/// The variables `Matcher::from_env` reads; any one set means the
/// environment decides and the system setting is not read.
const PROXY_VARIABLES: [&str; 8] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The proxy rules of this process.
pub(crate) fn matcher() -> Matcher {
    let from_env = PROXY_VARIABLES
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if from_env {
        return Matcher::from_env();
    }
    match windows::user_setting() {
        Some(setting) => setting.matcher(),
        None => Matcher::from_env(),
    }
}

/// A system proxy setting, as Windows keeps it.
#[derive(Debug, Default, PartialEq, Eq)]
struct SystemSetting {
    /// `http://host:port` for plain-http portals.
    http: Option<String>,
    /// `http://host:port` for the CONNECT tunnel to https portals.
    https: Option<String>,
    /// Hosts reached directly, in NO_PROXY's syntax.
    no_proxy: String,
}

impl SystemSetting {
    /// Reads the proxy list and the bypass list as Windows stores them.
    ///
    /// The list is one `host:port` for every scheme, or
    /// `scheme=host:port` entries separated by `;` or white space; the
    /// bypass list is `;`-separated names with `*` wildcards and `<local>`.
    fn parse(proxies: &str, bypass: &str) -> SystemSetting {
        let mut setting = SystemSetting::default();
        let entries = proxies
            .split([';', ' ', '\t', '\r', '\n'])
            .filter(|e| !e.is_empty());
        for entry in entries {
            match entry.split_once('=') {
                None => {
                    let address = with_scheme(entry);
                    setting.http.get_or_insert_with(|| address.clone());
                    setting.https.get_or_insert(address);
                }
                Some((scheme, address)) if scheme.eq_ignore_ascii_case("http") => {
                    setting.http = Some(with_scheme(address));
                }
                Some((scheme, address)) if scheme.eq_ignore_ascii_case("https") => {
                    setting.https = Some(with_scheme(address));
                }
                // socks= and ftp= proxies do not carry these calls.
                Some(_) => {}
            }
        }
        setting.no_proxy = bypass
            .split([';', ' ', '\t', '\r', '\n'])
            .map(str::trim)
            // `<local>` (names without a dot) never names a portal, and
            // NO_PROXY has no way to say it.
            .filter(|entry| !entry.is_empty() && *entry != "<local>")
            .map(no_proxy_entry)
            .collect::<Vec<_>>()
            .join(",");
        setting
    }

    fn matcher(self) -> Matcher {
        let mut builder = Matcher::builder().no(self.no_proxy);
        if let Some(http) = self.http {
            builder = builder.http(http);
        }
        if let Some(https) = self.https {
            builder = builder.https(https);
        }
        builder.build()
    }
}

/// Windows names a proxy without a scheme; these are all http proxies.
fn with_scheme(address: &str) -> String {
    if address.contains("://") {
        address.to_owned()
    } else {
        format!("http://{address}")
    }
}

/// One bypass entry in NO_PROXY's syntax: `*.example.com` is
/// `example.com` (which NO_PROXY matches with its subdomains) and
/// `10.1.*` is `10.1.0.0/16`.
fn no_proxy_entry(entry: &str) -> String {
    if let Some(cidr) = ipv4_wildcard_as_cidr(entry) {
        return cidr;
    }
    entry.strip_prefix("*.").unwrap_or(entry).to_owned()
}

fn ipv4_wildcard_as_cidr(entry: &str) -> Option<String> {
    let parts: Vec<&str> = entry.split('.').collect();
    let wildcard = parts.iter().position(|part| *part == "*")?;
    if parts.len() > 4 || wildcard == 0 || parts[wildcard..].iter().any(|part| *part != "*") {
        return None;
    }
    let mut octets = [0u8; 4];
    for (octet, part) in octets.iter_mut().zip(&parts[..wildcard]) {
        *octet = part.parse().ok()?;
    }
    let [a, b, c, d] = octets;
    Some(format!("{a}.{b}.{c}.{d}/{}", wildcard * 8))
}

#[cfg(windows)]
mod windows {
    use windows_sys::Win32::Foundation::GlobalFree;
    use windows_sys::Win32::Networking::WinHttp::{
        WINHTTP_CURRENT_USER_IE_PROXY_CONFIG, WinHttpGetIEProxyConfigForCurrentUser,
    };
    use windows_sys::core::PWSTR;

    use super::SystemSetting;

    /// The current user's manual proxy setting, if one is on. Automatic
    /// configuration (WPAD, a PAC address) is not followed.
    pub(super) fn user_setting() -> Option<SystemSetting> {
        let mut config = WINHTTP_CURRENT_USER_IE_PROXY_CONFIG::default();
        // SAFETY: `config` is a valid out-structure; on success its strings
        // are ours to free with GlobalFree, which `take` does.
        let read = unsafe { WinHttpGetIEProxyConfigForCurrentUser(&mut config) } != 0;
        // SAFETY: each pointer is NULL or a NUL-terminated string WinHTTP
        // allocated for us, taken once.
        let (proxies, bypass, _auto_config) = unsafe {
            (
                take(config.lpszProxy),
                take(config.lpszProxyBypass),
                take(config.lpszAutoConfigUrl),
            )
        };
        let proxies = proxies.filter(|_| read)?;
        Some(SystemSetting::parse(&proxies, &bypass.unwrap_or_default()))
    }

    /// The text of a string WinHTTP allocated, which is then freed.
    ///
    /// # Safety
    /// `text` is NULL or a NUL-terminated UTF-16 string from GlobalAlloc,
    /// not used again.
    unsafe fn take(text: PWSTR) -> Option<String> {
        if text.is_null() {
            return None;
        }
        // SAFETY: as the caller promises, `text` ends with a NUL unit.
        let units = unsafe {
            let len = (0..).take_while(|&i| *text.add(i) != 0).count();
            std::slice::from_raw_parts(text, len)
        };
        let value = String::from_utf16_lossy(units);
        // SAFETY: allocated by WinHTTP with GlobalAlloc, freed once.
        unsafe { GlobalFree(text.cast()) };
        Some(value)
    }
}

#[cfg(not(windows))]
mod windows {
    use super::SystemSetting;

    /// Elsewhere only the environment sets a proxy.
    pub(super) fn user_setting() -> Option<SystemSetting> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(http: Option<&str>, https: Option<&str>, no_proxy: &str) -> SystemSetting {
        SystemSetting {
            http: http.map(Into::into),
            https: https.map(Into::into),
            no_proxy: no_proxy.into(),
        }
    }

    #[test]
    fn one_address_serves_both_schemes() {
        assert_eq!(
            SystemSetting::parse("proxy.corp:3128", ""),
            setting(
                Some("http://proxy.corp:3128"),
                Some("http://proxy.corp:3128"),
                ""
            )
        );
    }

    #[test]
    fn per_scheme_entries_are_taken_by_scheme() {
        assert_eq!(
            SystemSetting::parse("ftp=f:21;http=h:80; https=s:8443 socks=k:1080", ""),
            setting(Some("http://h:80"), Some("http://s:8443"), "")
        );
        assert_eq!(
            SystemSetting::parse("HTTPS=s:1", ""),
            setting(None, Some("http://s:1"), "")
        );
    }

    #[test]
    fn bypass_entries_become_no_proxy_entries() {
        let parsed = SystemSetting::parse("p:1", "<local>;*.corp.example; 10.1.*.*;192.168.*;host");
        assert_eq!(
            parsed.no_proxy,
            "corp.example,10.1.0.0/16,192.168.0.0/16,host"
        );
        assert_eq!(
            ipv4_wildcard_as_cidr("10.*.*.*").as_deref(),
            Some("10.0.0.0/8")
        );
        assert_eq!(ipv4_wildcard_as_cidr("*.*.*.*"), None);
        assert_eq!(ipv4_wildcard_as_cidr("10.*.1.*"), None);
    }

    #[test]
    fn the_matcher_sends_https_through_the_https_proxy_and_bypasses() {
        let matcher = SystemSetting::parse("http=h:80;https=s:8443", "*.corp.example").matcher();
        let via = |url: &str| {
            matcher
                .intercept(&url.parse().unwrap())
                .map(|proxy| proxy.uri().to_string())
        };
        assert_eq!(
            via("https://portal.bitrix24.ru/").as_deref(),
            Some("http://s:8443/")
        );
        assert_eq!(
            via("http://portal.example/").as_deref(),
            Some("http://h:80/")
        );
        assert_eq!(via("https://b24.corp.example/"), None);
    }
}
