// oscript examples/set_user_status.os <webhook URL> [status]
//   or: oscript examples/set_user_status.os <portal> <status> <token>
#Use "../"

If CommandLineArguments.Count() < 1 Then
    Message("usage: oscript set_user_status.os URL [STATUS [TOKEN]]");
    Exit(2);
EndIf;

URL = CommandLineArguments[0];
Status = ?(CommandLineArguments.Count() > 1, CommandLineArguments[1], "dnd");
Token = ?(CommandLineArguments.Count() > 2, CommandLineArguments[2], "");

Result = OPI_Bitrix24.SetUserStatus(URL, Status, Token);

If Result.Get("error") <> Undefined Then
    Message("Failed: " + Result.Get("error") + ": " + Result.Get("error_description"));
    Exit(1);
EndIf;
Message("Status set: " + Result.Get("result"));
