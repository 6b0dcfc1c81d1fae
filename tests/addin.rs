//! The add-in loaded by host emulations (tests/addin/host.cpp) exactly as the
//! 1C platform and OneScript load it, against the test portal; and the same
//! under valgrind. (The package with every platform's library: tests/windows.rs.)

use opi_test_support as support;

use std::path::Path;

use support::*;

/// What the C ABI answers for the same call, in this process.
fn through_c_abi(url: &str, status: &str, token: &str) -> serde_json::Value {
    trust_test_ca();
    parse(&support::fronts::c_set_user_status(
        url,
        status,
        Some(token),
    ))
}

fn check_both_calls(portal: &Portal, mode: &'static str) -> String {
    let args = host_args(portal, mode);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let stdout = host_stdout(&run_host(Host::Linux, &args));
    let webhook = through_c_abi(&portal.webhook_url(), "dnd", "");
    let token = through_c_abi(&portal.domain(), "away", APP_TOKEN);
    assert_host_answers(&stdout, &webhook, &token);
    stdout
}

#[test]
fn as_the_1c_platform_both_calls_equal_the_c_abi() {
    let portal = frozen_portal();
    check_both_calls(&portal, "platform");
    let requests = portal.requests();
    assert_eq!(
        requests.len(),
        6,
        "two calls in each of two orders, then two through the C ABI"
    );
    assert_eq!(
        requests[0].target,
        "/rest/1/4swokunb3tk7h7dt/im.user.status.set"
    );
    assert_eq!(
        requests[0].json_body(),
        serde_json::json!({"STATUS": "dnd"})
    );
    assert_eq!(
        requests[1].json_body(),
        serde_json::json!({"STATUS": "away", "auth": APP_TOKEN})
    );
}

#[test]
fn as_onescript_both_calls_equal_the_c_abi() {
    let portal = frozen_portal();
    check_both_calls(&portal, "onescript");
    assert_eq!(
        portal.requests()[1].json_body(),
        serde_json::json!({"STATUS": "away", "auth": APP_TOKEN})
    );
}

#[test]
fn bad_calls_answer_errors_and_never_crash() {
    let portal = Portal::start();
    let stdout = host_stdout(&run_host(
        Host::Linux,
        &["bad-calls", &portal.webhook_url()],
    ));
    let found = host_results(&stdout);
    assert!(found.len() >= 9, "{stdout}");
    for (label, value) in found {
        assert_eq!(value["error"], "OPI_INVALID_ARGUMENT", "{label}");
    }
    // Only CallAsProc with good arguments reached the portal.
    assert_eq!(portal.requests().len(), 1);
}

#[test]
fn a_thousand_create_call_destroy_cycles_do_not_grow_memory() {
    let portal = Portal::with(PortalOptions {
        bucket: None,
        ..PortalOptions::default()
    });
    let stdout = host_stdout(&run_host(
        Host::Linux,
        &["cycles", "1000", &portal.webhook_url()],
    ));
    let growth: i64 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("RSS_GROWTH_KB "))
        .expect("RSS_GROWTH_KB line")
        .parse()
        .unwrap();
    // Between the 100th and the 1,000th cycle; a leak of one string per call would show as > 1 MiB.
    eprintln!("resident memory growth from cycle 100 to 1,000: {growth} KiB");
    assert!(
        growth < 1024,
        "resident memory grew by {growth} KiB over 900 cycles"
    );
    assert_eq!(portal.requests().len(), 1000);
}

#[test]
fn under_valgrind_both_hosts_and_bad_calls_are_clean() {
    let portal = frozen_portal();
    for mode in ["platform", "onescript"] {
        let args = host_args(&portal, mode);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        host_stdout(&run_host(Host::Valgrind, &args));
    }
    host_stdout(&run_host(
        Host::Valgrind,
        &["bad-calls", &portal.webhook_url()],
    ));
    host_stdout(&run_host(
        Host::Valgrind,
        &["cycles", "20", &portal.webhook_url()],
    ));
}

/// What the component tells a host of itself: class names, and each method's
/// names and parameter count.
fn component_names() -> (String, Vec<(String, String, usize)>) {
    let stdout = host_stdout(&run_host(Host::Linux, &["names"]));
    let classes = stdout
        .lines()
        .find_map(|line| line.strip_prefix("CLASSES "))
        .expect("CLASSES line")
        .to_owned();
    let methods = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("METHOD "))
        .map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            (
                fields[1].to_owned(),
                fields[2].to_owned(),
                fields[3].parse().unwrap(),
            )
        })
        .collect();
    (classes, methods)
}

fn onescript_file(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("onescript")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("read {}: {e}", full.display()))
}

/// OpenIntegrations' signatures of the module's functions, English and Russian.
const ONESCRIPT_SIGNATURES: [&str; 14] = [
    "Function SetUserStatus(Val URL, Val Status, Val Token = \"\") Export",
    "Функция УстановитьСтатусПользователя(Знач URL, Знач Статус, Знач Токен = \"\") Экспорт",
    "Function GetUserStatus(Val URL, Val Token = \"\") Export",
    "Функция ПолучитьСтатусПользователя(Знач URL, Знач Токен = \"\") Экспорт",
    "Function CallMethod(Val URL, Val Method, Val Parameters = Undefined, Val Token = \"\") Export",
    "Функция ВызватьМетод(Знач URL, Знач Метод, Знач Параметры = Неопределено, Знач Токен = \"\") Экспорт",
    // OpenIntegrations' three arguments, and an optional token file after them.
    "Function GetToken(Val ClientID, Val ClientSecret, Val Code, Val File = \"\") Export",
    "Функция ПолучитьТокен(Знач ClientID, Знач ClientSecret, Знач Code, Знач Файл = \"\") Экспорт",
    "Function RefreshToken(Val ClientID, Val ClientSecret, Val Refresh, Val File = \"\") Export",
    "Функция ОбновитьТокен(Знач ClientID, Знач ClientSecret, Знач Refresh, Знач Файл = \"\") Экспорт",
    "Function Batch(Val URL, Val Commands, Val Halt = False, Val Token = \"\") Export",
    "Функция ВыполнитьПакет(Знач URL, Знач Команды, Знач Прервать = Ложь, Знач Токен = \"\") Экспорт",
    "Function GetList(Val URL, Val Method, Val Parameters = Undefined, Val Token = \"\", Val ByID = False) Export",
    "Функция ПолучитьСписок(Знач URL, Знач Метод, Знач Параметры = Неопределено, Знач Токен = \"\", Знач ПоИД = Ложь) Экспорт",
];

#[test]
fn onescript_module_keeps_the_original_signature_and_calls_what_the_component_exposes() {
    let module = onescript_file("src/OPI_Bitrix24.os");
    for signature in ONESCRIPT_SIGNATURES {
        assert!(module.contains(signature), "the module lost {signature:?}");
    }
    let (classes, methods) = component_names();
    assert!(module.contains("AttachAddIn(Path, \"OPI_Bitrix24\", AddInType.Native)"));
    assert!(
        module.contains(&format!("New(\"AddIn.OPI_Bitrix24.{classes}\")")),
        "class {classes}"
    );

    let calls: Vec<(usize, &str)> = module
        .match_indices("Component().")
        .map(|(at, _)| (at, &module[at + 12..]))
        .collect();
    let mut called = Vec::new();
    for (at, call) in calls {
        let (name, rest) = call.split_once('(').expect("a call");
        let arguments: Vec<&str> = rest
            .split_once(')')
            .expect("closed call")
            .0
            .split(", ")
            .collect();
        let (english, _, count) = methods
            .iter()
            .find(|(english, russian, _)| {
                english.eq_ignore_ascii_case(name) || russian.to_lowercase() == name.to_lowercase()
            })
            .unwrap_or_else(|| {
                panic!("the module calls {name}, which the component does not have: {methods:?}")
            });
        assert_eq!(arguments.len(), *count, "{name} takes {count} parameters");
        // The arguments are the enclosing function's parameters, in its
        // order (CallMethod's Parameters, Batch's Commands and Configure's
        // Settings as JSON text).
        let function = &module[module[..at].rfind("Function ").expect("inside a function")..at];
        let (head, _) = function.split_once(')').expect("a signature");
        let parameters: Vec<&str> = head
            .split_once('(')
            .expect("a parameter list")
            .1
            .split(", ")
            .map(|p| {
                p.trim_start_matches("Val ")
                    .split(' ')
                    .next()
                    .unwrap_or_default()
            })
            .map(|p| match p {
                "Parameters" => "ParamsJSON",
                "Commands" => "CommandsJSON",
                "Arguments" => "ArgumentsJSON",
                "Settings" => "SettingsJSON",
                _ => p,
            })
            .collect();
        assert_eq!(
            arguments, parameters,
            "{name}: the component's order is the function's"
        );
        called.push(english.clone());
    }
    let mut exposed: Vec<String> = methods
        .iter()
        .map(|(english, _, _)| english.clone())
        .collect();
    called.sort();
    exposed.sort();
    assert_eq!(
        called, exposed,
        "every method of the component is called by the module, once"
    );
}

/// The OneScript module and the 1C common module generated from it (which
/// nothing here can run) open and close every block they use.
#[test]
fn onescript_and_common_module_blocks_are_balanced() {
    for file in ["src/OPI_Bitrix24.os", "1c/OPI_Bitrix24.bsl"] {
        let module = onescript_file(file);
        let code: Vec<&str> = module
            .lines()
            .map(|line| line.split("//").next().unwrap_or_default().trim())
            .collect();
        let count =
            |opening: &dyn Fn(&str) -> bool| code.iter().filter(|line| opening(line)).count();
        for (open, close) in [
            ("Function ", "EndFunction"),
            ("Функция ", "КонецФункции"),
            ("Try", "EndTry"),
            ("#Region", "#EndRegion"),
        ] {
            assert_eq!(
                count(&|line| line.starts_with(open)),
                count(&|line| line.starts_with(close)),
                "{file}: {open} / {close}"
            );
        }
        assert_eq!(
            count(&|line| line.starts_with("If ") && line.ends_with("Then")),
            count(&|line| line.starts_with("EndIf;")),
            "{file}: If / EndIf"
        );
        assert_eq!(
            count(&|line| line.starts_with("For ") && line.ends_with("Do")),
            count(&|line| line.starts_with("EndDo;")),
            "{file}: For / EndDo"
        );
    }
}

#[test]
fn onescript_package_names_the_module_and_the_crate_version() {
    let config = onescript_file("lib.config");
    assert!(
        config.contains(r#"<module name="OPI_Bitrix24" file="src/OPI_Bitrix24.os"/>"#),
        "{config}"
    );
    let packagedef = onescript_file("packagedef");
    assert!(
        packagedef.contains(&format!(".Версия(\"{}\")", env!("CARGO_PKG_VERSION"))),
        "{packagedef}"
    );
    for included in ["src", "addin", "lib.config"] {
        assert!(
            packagedef.contains(&format!(".ВключитьФайл(\"{included}\")")),
            "{included}"
        );
    }
}
