// OPI_Bitrix24: Bitrix24 methods of OpenIntegrations, served by the native
// add-in opi_bitrix24 (one library for 1C:Enterprise, OneScript and C).
//
// The add-in is attached once per process, from the first of:
//   - the path in the environment variable OPI_BITRIX24_ADDIN (a ZIP or a library);
//   - OPI_Bitrix24.zip in ../addin/ or beside this module;
//   - libopi_bitrix24.so (Linux) or opi_bitrix24.dll (Windows) in ../addin/ or beside this module.

Var AttachedComponent;

#Region Public

// Set user status
// Sets the status (online) of the current user
//
// Parameters:
//  URL - String - URL of webhook or a Bitrix24 domain, when token used - url
//  Status - String, Number - Status value: online, dnd, away - status
//  Token - String - Access token, when app auth method used - token
//
// Returns:
//  Map Of KeyAndValue - serialized JSON of answer from Bitrix24 API
Function SetUserStatus(Val URL, Val Status, Val Token = "") Export

    Answer = Component().SetUserStatus(URL, Status, Token);
    Return ParseAnswer(Answer);

EndFunction

// Установить статус пользователя
// Устанавливает статус (онлайн) текущего пользователя
//
// Параметры:
//  URL - Строка - URL webhook или домен Bitrix24, если используется токен - url
//  Статус - Строка, Число - Значение статуса: online, dnd, away - status
//  Токен - Строка - Токен авторизации, если используется не вебхук - token
//
// Возвращаемое значение:
//  Соответствие Из КлючИЗначение - сериализованный JSON ответа от Bitrix24
Функция УстановитьСтатусПользователя(Знач URL, Знач Статус, Знач Токен = "") Экспорт

    Возврат SetUserStatus(URL, Статус, Токен);

КонецФункции

#EndRegion

#Region Private

// The add-in's object, attached on first use.
Function Component()

    If AttachedComponent <> Undefined Then
        Return AttachedComponent;
    EndIf;

    Path = AddInPath();
    Try
        AttachAddIn(Path, "OPI_Bitrix24", AddInType.Native);
        AttachedComponent = New("AddIn.OPI_Bitrix24.Main");
    Except
        Raise "OPI_Bitrix24: cannot attach the add-in from " + Path + ": " + ErrorDescription()
            + ". Set OPI_BITRIX24_ADDIN to the path of OPI_Bitrix24.zip or of the library.";
    EndTry;

    Return AttachedComponent;

EndFunction

Function AddInPath()

    FromEnvironment = GetEnvironmentVariable("OPI_BITRIX24_ADDIN");
    If ValueIsFilled(FromEnvironment) Then
        If Not New File(FromEnvironment).Exist() Then
            Raise "OPI_Bitrix24: OPI_BITRIX24_ADDIN names " + FromEnvironment + ", which does not exist";
        EndIf;
        Return FromEnvironment;
    EndIf;

    ModuleDirectory = CurrentScript().Path;
    Directories = New Array;
    Directories.Add(CombinePath(ModuleDirectory, "..", "addin"));
    Directories.Add(ModuleDirectory);
    Names = New Array;
    Names.Add("OPI_Bitrix24.zip");
    Names.Add("libopi_bitrix24.so");
    Names.Add("opi_bitrix24.dll");

    Searched = "";
    For Each Directory In Directories Do
        For Each Name In Names Do
            Candidate = CombinePath(Directory, Name);
            If New File(Candidate).Exist() Then
                Return Candidate;
            EndIf;
            Searched = Searched + Chars.LF + "  " + Candidate;
        EndDo;
    EndDo;

    Raise "OPI_Bitrix24: the add-in was not found; looked for:" + Searched
        + Chars.LF + "Build it (see README.md) or set OPI_BITRIX24_ADDIN.";

EndFunction

// The add-in's JSON text as a Map, as OpenIntegrations returns it.
Function ParseAnswer(Val Text)

    Reader = New JSONReader;
    Reader.SetString(Text);
    Result = ReadJSON(Reader, True);
    Reader.Close();
    Return Result;

EndFunction

#EndRegion
