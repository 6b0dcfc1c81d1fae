//! What `oint`'s exit code says, decided for every command alike from the
//! answer it printed (docs/cli.md, "Output and exit codes").

use std::process::ExitCode;

/// What the exit code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The answer has no `error`.
    Success = 0,
    /// The answer is an error (it is still printed), or it could not be written.
    Failed = 1,
    /// The command line was wrong: clap's refusal, or the library's
    /// `OPI_INVALID_ARGUMENT`.
    Usage = 2,
}

impl Exit {
    /// What an answer written out says: an `OPI_INVALID_ARGUMENT` answer
    /// means an argument or a setting was refused before anything was sent
    /// (docs/answers-and-errors.md), which is a wrong command line; any
    /// other error is a failed call.
    pub fn of(answer: &opi_bitrix24::Answer) -> Exit {
        match answer.error_code() {
            None => Exit::Success,
            Some(code) if code == opi_bitrix24::ErrorCode::InvalidArgument.as_str() => Exit::Usage,
            Some(_) => Exit::Failed,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_fixed() {
        assert_eq!(
            [Exit::Success as u8, Exit::Failed as u8, Exit::Usage as u8],
            [0, 1, 2]
        );
    }

    #[test]
    fn an_answer_refused_before_sending_is_a_wrong_command_line() {
        let refused = opi_bitrix24::Answer::from(opi_bitrix24::Error::invalid_argument("no"));
        assert_eq!(Exit::of(&refused), Exit::Usage);
    }
}
