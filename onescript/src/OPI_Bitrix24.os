// OPI_Bitrix24: Bitrix24 methods of OpenIntegrations, served by the native
// add-in opi_bitrix24 (one library for 1C:Enterprise, OneScript and C):
// SetUserStatus, GetUserStatus, CallMethod (any REST method), Batch, GetList, GetToken and
// RefreshToken, each with its Russian twin.
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
//  Token - String - Access token, when app auth method used, or "file:<path>" of a token file - token
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
//  Токен - Строка - Токен авторизации, если используется не вебхук, или "file:<путь>" файла токенов - token
//
// Возвращаемое значение:
//  Соответствие Из КлючИЗначение - сериализованный JSON ответа от Bitrix24
Функция УстановитьСтатусПользователя(Знач URL, Знач Статус, Знач Токен = "") Экспорт

    Возврат SetUserStatus(URL, Статус, Токен);

КонецФункции

// Get user status
// Gets the status of the current user
//
// Parameters:
//  URL - String - URL of webhook or a Bitrix24 domain, when token used - url
//  Token - String - Access token, when app auth method used, or "file:<path>" of a token file - token
//
// Returns:
//  Map Of KeyAndValue - serialized JSON of answer from Bitrix24 API: "result" is the status, or False
Function GetUserStatus(Val URL, Val Token = "") Export

    Answer = Component().GetUserStatus(URL, Token);
    Return ParseAnswer(Answer);

EndFunction

// Получить статус пользователя
// Получает статус текущего пользователя
//
// Параметры:
//  URL - Строка - URL webhook или домен Bitrix24, если используется токен - url
//  Токен - Строка - Токен авторизации, если используется не вебхук, или "file:<путь>" файла токенов - token
//
// Возвращаемое значение:
//  Соответствие Из КлючИЗначение - сериализованный JSON ответа от Bitrix24
Функция ПолучитьСтатусПользователя(Знач URL, Знач Токен = "") Экспорт

    Возврат GetUserStatus(URL, Токен);

КонецФункции

// Call method
// Calls any Bitrix24 REST method. A failure after which the portal may have run
// a method that is not safe to repeat (a write) is not retried, and says so
//
// Parameters:
//  URL - String - URL of webhook or a Bitrix24 domain, when token used - url
//  Method - String - REST method name, e.g. crm.deal.add - method
//  Parameters - Structure, Map, String, Undefined - method parameters, or their JSON text - params
//  Token - String - Access token, when app auth method used, or "file:<path>" of a token file - token
//
// Returns:
//  Map Of KeyAndValue - serialized JSON of answer from Bitrix24 API
Function CallMethod(Val URL, Val Method, Val Parameters = Undefined, Val Token = "") Export

    ParamsJSON = AsJSON(Parameters);
    Answer = Component().CallMethod(URL, Method, ParamsJSON, Token);
    Return ParseAnswer(Answer);

EndFunction

// Вызвать метод
// Вызывает любой метод REST Bitrix24. Сбой, после которого портал мог выполнить
// метод, небезопасный для повтора (запись), не повторяется, и ответ говорит об этом
//
// Параметры:
//  URL - Строка - URL webhook или домен Bitrix24, если используется токен - url
//  Метод - Строка - Имя метода REST, например crm.deal.add - method
//  Параметры - Структура, Соответствие, Строка, Неопределено - Параметры метода или их JSON - params
//  Токен - Строка - Токен авторизации, если используется не вебхук, или "file:<путь>" файла токенов - token
//
// Возвращаемое значение:
//  Соответствие Из КлючИЗначение - сериализованный JSON ответа от Bitrix24
Функция ВызватьМетод(Знач URL, Знач Метод, Знач Параметры = Неопределено, Знач Токен = "") Экспорт

    Возврат CallMethod(URL, Метод, Параметры, Токен);

КонецФункции

// Batch
// Runs many commands through the REST method batch, 50 to a request, and merges the
// answers: result, result_error, result_total, result_next and result_time by command.
// A request the portal may have run is not sent again: after such a failure the
// answer is an error whose "batch" lists what ran, may have run, and was not sent
//
// Parameters:
//  URL - String - URL of webhook or a Bitrix24 domain, when token used - url
//  Commands - Map, Structure, Array, String - key -> Structure of method and params, or their JSON - commands
//  Halt - Boolean - stop at the first failed command - halt
//  Token - String - Access token, when app auth method used, or "file:<path>" of a token file - token
//
// Returns:
//  Map Of KeyAndValue - serialized JSON of the merged answer
Function Batch(Val URL, Val Commands, Val Halt = False, Val Token = "") Export

    CommandsJSON = AsJSON(Commands);
    Answer = Component().Batch(URL, CommandsJSON, Halt, Token);
    Return ParseAnswer(Answer);

EndFunction

// Выполнить пакет
// Выполняет много команд через метод REST batch, по 50 в запросе, и объединяет ответы:
// result, result_error, result_total, result_next и result_time по командам.
// Запрос, который портал мог выполнить, не отправляется повторно: после такого сбоя
// ответ - ошибка, в поле "batch" которой перечислено, что выполнено, могло быть
// выполнено и не отправлено
//
// Параметры:
//  URL - Строка - URL webhook или домен Bitrix24, если используется токен - url
//  Команды - Соответствие, Структура, Массив, Строка - ключ -> Структура method и params, или их JSON - commands
//  Прервать - Булево - остановиться на первой команде с ошибкой - halt
//  Токен - Строка - Токен авторизации, если используется не вебхук, или "file:<путь>" файла токенов - token
//
// Возвращаемое значение:
//  Соответствие Из КлючИЗначение - сериализованный JSON объединенного ответа
Функция ВыполнитьПакет(Знач URL, Знач Команды, Знач Прервать = Ложь, Знач Токен = "") Экспорт

    Возврат Batch(URL, Команды, Прервать, Токен);

КонецФункции

// Get list
// Gets every item of a list method (crm.deal.list, tasks.task.list, ...): the first
// page as asked, then 2,500 items a request, checked against the portal's total and
// by ID; a list that changed during the export gets "warnings"
//
// Parameters:
//  URL - String - URL of webhook or a Bitrix24 domain, when token used - url
//  Method - String - list method name, e.g. crm.deal.list - method
//  Parameters - Structure, Map, String, Undefined - method parameters (filter, select, order), or their JSON - params
//  Token - String - Access token, when app auth method used, or "file:<path>" of a token file - token
//  ByID - Boolean - page by ID: fast on large tables, for methods whose ID filter and order work as usual - byid
//
// Returns:
//  Map Of KeyAndValue - result: Array of all items, total: Number
Function GetList(Val URL, Val Method, Val Parameters = Undefined, Val Token = "", Val ByID = False) Export

    ParamsJSON = AsJSON(Parameters);
    Answer = Component().GetList(URL, Method, ParamsJSON, Token, ByID);
    Return ParseAnswer(Answer);

EndFunction

// Получить список
// Получает все элементы списочного метода (crm.deal.list, tasks.task.list, ...): первую
// страницу как задано, затем по 2500 элементов за запрос, со сверкой с total портала и
// по ID; если список изменился во время выгрузки, в ответе есть "warnings"
//
// Параметры:
//  URL - Строка - URL webhook или домен Bitrix24, если используется токен - url
//  Метод - Строка - Имя списочного метода, например crm.deal.list - method
//  Параметры - Структура, Соответствие, Строка, Неопределено - Параметры метода (filter, select, order) или их JSON - params
//  Токен - Строка - Токен авторизации, если используется не вебхук, или "file:<путь>" файла токенов - token
//  ПоИД - Булево - листать по ID: быстро на больших таблицах, для методов с обычными фильтром и сортировкой по ID - byid
//
// Возвращаемое значение:
//  Соответствие Из КлючИЗначение - result: Массив всех элементов, total: Число
Функция ПолучитьСписок(Знач URL, Знач Метод, Знач Параметры = Неопределено, Знач Токен = "", Знач ПоИД = Ложь) Экспорт

    Возврат GetList(URL, Метод, Параметры, Токен, ПоИД);

КонецФункции

// Get token
// Gets the token by the code from the authorization redirect
//
// Parameters:
//  ClientID - String - Client ID from app settings - clientid
//  ClientSecret - String - Client secret from app settings - clientsecret
//  Code - String - Code from the authorization redirect - code
//  File - String - Token file to write the pair to, for a Token of "file:<path>" - file
//
// Returns:
//  Map Of KeyAndValue - serialized JSON of answer from Bitrix24 API: store its refresh_token
//  (with a File, the pair is in the file and the answer has no refresh_token)
Function GetToken(Val ClientID, Val ClientSecret, Val Code, Val File = "") Export

    Answer = Component().GetToken(ClientID, ClientSecret, Code, File);
    Return ParseAnswer(Answer);

EndFunction

// Получить токен
// Получает токен по коду из перенаправления авторизации
//
// Параметры:
//  ClientID - Строка - Client ID из настроек приложения - clientid
//  ClientSecret - Строка - Client secret из настроек приложения - clientsecret
//  Code - Строка - Код из перенаправления авторизации - code
//  Файл - Строка - Файл токенов для записи пары, для Токен вида "file:<путь>" - file
//
// Возвращаемое значение:
//  Соответствие Из КлючИЗначение - сериализованный JSON ответа от Bitrix24
Функция ПолучитьТокен(Знач ClientID, Знач ClientSecret, Знач Code, Знач Файл = "") Экспорт

    Возврат GetToken(ClientID, ClientSecret, Code, Файл);

КонецФункции

// Refresh token
// Updates the token by the refresh token; the old refresh token is spent
//
// Parameters:
//  ClientID - String - Client ID from app settings - clientid
//  ClientSecret - String - Client secret from app settings - clientsecret
//  Refresh - String - Refresh token - refresh
//  File - String - Token file to write the new pair to, for a Token of "file:<path>" - file
//
// Returns:
//  Map Of KeyAndValue - serialized JSON of answer from Bitrix24 API: store its new refresh_token
//  (with a File, the pair is in the file and the answer has no refresh_token)
Function RefreshToken(Val ClientID, Val ClientSecret, Val Refresh, Val File = "") Export

    Answer = Component().RefreshToken(ClientID, ClientSecret, Refresh, File);
    Return ParseAnswer(Answer);

EndFunction

// Обновить токен
// Обновляет токен по refresh token; старый refresh token больше не действует
//
// Параметры:
//  ClientID - Строка - Client ID из настроек приложения - clientid
//  ClientSecret - Строка - Client secret из настроек приложения - clientsecret
//  Refresh - Строка - Refresh token - refresh
//  Файл - Строка - Файл токенов для записи новой пары, для Токен вида "file:<путь>" - file
//
// Возвращаемое значение:
//  Соответствие Из КлючИЗначение - сериализованный JSON ответа от Bitrix24
Функция ОбновитьТокен(Знач ClientID, Знач ClientSecret, Знач Refresh, Знач Файл = "") Экспорт

    Возврат RefreshToken(ClientID, ClientSecret, Refresh, Файл);

КонецФункции

#EndRegion

#Region Private

// CallMethod's parameters or Batch's commands as JSON text: a Structure, Map or
// Array written with WriteJSON, a String taken as JSON already, Undefined as none.
Function AsJSON(Val Value)

    If Value = Undefined Then
        Return "";
    EndIf;
    If TypeOf(Value) = Type("String") Then
        Return Value;
    EndIf;

    Writer = New JSONWriter;
    Writer.SetString();
    WriteJSON(Writer, Value);
    Return Writer.Close();

EndFunction

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
        + Chars.LF + "Build it (see docs/building.md) or set OPI_BITRIX24_ADDIN.";

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
