//! Which commands a batch sends again after the portal refused them for
//! their methods' operating-time budgets (docs/batch.md, "Commands refused
//! for their method's budget"). Whether and when there is time to is the
//! engine's to say (`Engine::commands_refused`); this only picks, among
//! the commands that certainly did not run, those a new request can carry
//! as they were meant.

use crate::error::ErrorDocument;
use crate::query;

use super::Command;
use super::merged::Refusal;

/// What becomes of a round's refused commands.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Resend {
    /// Sent again, in a new request, in their order (places in the round).
    pub(crate) again: Vec<usize>,
    /// Not sent again, with the entry their `result_error` is to hold.
    pub(crate) kept: Vec<(usize, ErrorDocument)>,
}

/// Picks from `refused` (each with the engine's verdict: Ok when its
/// method's budget frees within the call's time budget, else the refusal
/// naming the reset) what is sent again. A command goes only when every
/// `$result[…]` of it names a command that goes with it, or none of the
/// round's: the portal resolves references within one request, so one to
/// a command that ran in an earlier request would reach the method as its
/// literal text. Under `halt` the portal skipped the commands after the
/// refused one (`skipped`, which did not run either): they go with it, and
/// none goes unless all can, so that nothing runs after a command that did
/// not.
pub(crate) fn choose(
    commands: &[Command],
    refused: Vec<(Refusal, Result<(), ErrorDocument>)>,
    skipped: &[usize],
    halt: bool,
) -> Resend {
    let mut resend = Resend::default();
    let mut refusals = Vec::new();
    for (refusal, verdict) in refused {
        match verdict {
            Ok(()) => {
                resend.again.push(refusal.index);
                refusals.push(refusal);
            }
            Err(error) => resend.kept.push((refusal.index, error)),
        }
    }
    if halt {
        if !resend.kept.is_empty() {
            // The refused command waits past the time budget: nothing after
            // it may run.
            resend.again.clear();
            return resend;
        }
        resend.again.extend(skipped.iter().copied());
        resend.again.sort_unstable();
        resend.again.dedup();
        if let Some((command, key)) = reaching_out(commands, &resend.again) {
            resend.again.clear();
            let why = match refusals.iter().any(|r| r.index == command) {
                true => not_within(&key),
                false => format!(
                    "not sent again: with halt, the commands the portal skipped after it would go with it, and command {} refers to $result[{key}], which would not; the portal resolves references only within one request",
                    crate::echo::value(&commands[command].key, 40)
                ),
            };
            resend.kept = (refusals.into_iter())
                .map(|r| (r.index, r.error.and(&why)))
                .collect();
        }
        return resend;
    }
    // A command left out may leave out those that refer to it.
    while let Some((command, key)) = reaching_out(commands, &resend.again) {
        resend.again.retain(|&index| index != command);
        let at = refusals.iter().position(|r| r.index == command);
        if let Some(refusal) = at.map(|at| refusals.swap_remove(at)) {
            resend
                .kept
                .push((command, refusal.error.and(&not_within(&key))));
        }
    }
    resend.kept.sort_by_key(|(index, _)| *index);
    resend
}

/// The first of `chosen` (places in `commands`) with a `$result[key]` that
/// names a command of `commands` not chosen: the place, and the key.
fn reaching_out(commands: &[Command], chosen: &[usize]) -> Option<(usize, String)> {
    chosen.iter().find_map(|&index| {
        query::references(&commands[index].text)
            .find(|key| {
                let named = commands.iter().position(|c| c.key == *key);
                named.is_some_and(|named| !chosen.contains(&named))
            })
            .map(|key| (index, key.to_owned()))
    })
}

/// Why a command that refers to `$result[key]` is not sent again.
fn not_within(key: &str) -> String {
    format!(
        "not sent again: it refers to $result[{key}], which is not sent with it, and the portal resolves references only within one request"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Plan;

    fn refusal(index: usize) -> Refusal {
        Refusal {
            index,
            error: ErrorDocument {
                code: "OPERATION_TIME_LIMIT".into(),
                description: "Method is blocked due to operation time limit.".into(),
            },
        }
    }

    /// Each of `places` refused, with time to send it again.
    fn in_time(places: &[usize]) -> Vec<(Refusal, Result<(), ErrorDocument>)> {
        places.iter().map(|&i| (refusal(i), Ok(()))).collect()
    }

    fn commands(text: &str) -> Vec<Command> {
        let plan = Plan::new(text).unwrap();
        plan.requests().next().unwrap().to_vec()
    }

    #[test]
    fn refused_commands_go_again_unless_a_reference_reaches_a_command_that_does_not() {
        let commands = commands(
            r#"{
                "a": {"method": "crm.deal.add"},
                "b": {"method": "crm.deal.add"},
                "c": {"method": "crm.deal.get", "params": {"ID": "$result[b]"}},
                "d": {"method": "crm.deal.update", "params": {"ID": "$result[a]"}},
                "e": {"method": "crm.deal.get", "params": {"ID": "$result[d]"}},
                "f": {"method": "crm.deal.get", "params": {"ID": "$result[nothing]"}}
            }"#,
        );
        // b and c go together; d refers to a, which ran in the first
        // request, and e to d: both kept, saying so; f names no command.
        let chosen = choose(&commands, in_time(&[1, 2, 3, 4, 5]), &[], false);
        assert_eq!(chosen.again, [1, 2, 5]);
        let kept: Vec<(usize, String)> = (chosen.kept.into_iter())
            .map(|(index, error)| (index, error.description))
            .collect();
        assert_eq!(
            kept,
            [
                (
                    3,
                    format!(
                        "Method is blocked due to operation time limit.; {}",
                        not_within("a")
                    )
                ),
                (
                    4,
                    format!(
                        "Method is blocked due to operation time limit.; {}",
                        not_within("d")
                    )
                ),
            ]
        );
        // A method whose budget frees too late keeps its commands, with the
        // engine's words, and those that refer to them.
        let late = ErrorDocument {
            code: "OPERATION_TIME_LIMIT".into(),
            description: "frees too late".into(),
        };
        let mut refused = in_time(&[2]);
        refused.insert(0, (refusal(1), Err(late.clone())));
        let chosen = choose(&commands, refused, &[], false);
        assert!(chosen.again.is_empty());
        assert_eq!(chosen.kept[0], (1, late));
        assert!(chosen.kept[1].1.description.ends_with(&not_within("b")));
    }

    #[test]
    fn under_halt_the_skipped_commands_go_with_the_refused_one_or_none_goes() {
        let commands = commands(
            r#"{
                "a": {"method": "crm.deal.add"},
                "b": {"method": "crm.deal.add"},
                "c": {"method": "crm.deal.get", "params": {"ID": "$result[b]"}},
                "d": {"method": "crm.deal.get", "params": {"ID": "$result[a]"}}
            }"#,
        );
        let chosen = choose(&commands[..3], in_time(&[1]), &[2], true);
        assert_eq!(
            chosen,
            Resend {
                again: vec![1, 2],
                kept: vec![]
            }
        );
        // d, skipped, refers to a, which ran: nothing goes, and b says why.
        let chosen = choose(&commands, in_time(&[1]), &[2, 3], true);
        assert!(chosen.again.is_empty());
        assert_eq!(chosen.kept.len(), 1);
        let (index, error) = &chosen.kept[0];
        assert_eq!(*index, 1);
        assert!(
            error
                .description
                .contains("command 'd' refers to $result[a]"),
            "{}",
            error.description
        );
        // A budget that frees too late: nothing goes.
        let late = ErrorDocument {
            code: "OPERATION_TIME_LIMIT".into(),
            description: "frees too late".into(),
        };
        let chosen = choose(&commands, vec![(refusal(1), Err(late))], &[2, 3], true);
        assert!(chosen.again.is_empty());
        assert_eq!(chosen.kept.len(), 1);
    }
}
