// OPI_Bitrix24: the Bitrix24 functions of OpenIntegrations, served by the native
// add-in opi_bitrix24 (one library for 1C:Enterprise, OneScript and C): all 179 of
// OpenIntegrations' OPI_Bitrix24 functions with its names, parameters and defaults
// (docs/functions.md), and SetUserStatus, GetUserStatus, CallMethod (any REST method),
// Batch, GetList and Configure (the library's settings), each with its Russian twin.
//
// <OneScript>
// The add-in is attached once per process, from the first of:
//   - the path in the environment variable OPI_BITRIX24_ADDIN (a ZIP or a library);
//   - OPI_Bitrix24.zip in ../addin/ or beside this module;
//   - libopi_bitrix24.so (Linux) or opi_bitrix24.dll (Windows) in ../addin/ or beside this module.
// </OneScript>

// <OneScript>
Var AttachedComponent;
// </OneScript>

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

// Configure
// Changes the library's settings for this process (a 1C server's worker process, the
// script), for every call that starts after it: the variables of docs/configuration.md,
// as the environment would give them. What it names is in force over the environment
// and earlier Configures; a value of "" is the variable's default. An unknown variable
// or a bad value is refused, and then nothing changes
//
// Parameters:
//  Settings - Structure, Map, String - variable -> value, e.g. OPI_BITRIX24_LOG, or their JSON - settings
//
// Returns:
//  Map Of KeyAndValue - result: every setting in force, variable -> text; or error and error_description
Function Configure(Val Settings) Export

    SettingsJSON = AsJSON(Settings);
    Answer = Component().Configure(SettingsJSON);
    Return ParseAnswer(Answer);

EndFunction

// Настроить
// Меняет настройки библиотеки для этого процесса (рабочего процесса сервера 1С, скрипта)
// для всех вызовов после него: переменные из docs/configuration.md, как их задало бы
// окружение. Названные действуют поверх окружения и прежних вызовов Настроить; значение
// "" - значение переменной по умолчанию. Неизвестная переменная или неверное значение
// отклоняются, и тогда ничего не меняется
//
// Параметры:
//  Настройки - Структура, Соответствие, Строка - переменная -> значение, например OPI_BITRIX24_LOG, или их JSON - settings
//
// Возвращаемое значение:
//  Соответствие Из КлючИЗначение - result: все действующие настройки, переменная -> текст; или error и error_description
Функция Настроить(Знач Настройки) Экспорт

    Возврат Configure(Настройки);

КонецФункции

// Generated from src/functions/table by build.rs: edit the table, not the lines below.

#Region SettingsAndAdministartion

// Makes the browser address where a user grants the app access; no request is made.
//
// Parameters:
//  Domain - portal address, e.g. portal.bitrix24.com (string) - domain
//  ClientID - the app's client ID from its settings (string) - clientid
Function GetAppAuthLink(Val Domain, Val ClientID) Export

    Arguments = New Structure("Domain,ClientID", Domain, ClientID);
    Return CalledForValue("GetAppAuthLink", Arguments);

EndFunction

Функция ПолучитьСсылкуАвторизацииПриложения(Знач Домен, Знач ClientID) Экспорт

    Возврат GetAppAuthLink(Домен, ClientID);

КонецФункции

// Reads the portal's current time.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  Token - OAuth access token for app authorisation (string) - token
Function ServerTime(Val URL, Val Token = "") Export

    Arguments = New Structure("URL,Token", URL, Token);
    Return Called("ServerTime", Arguments);

EndFunction

Функция СерверноеВремя(Знач URL, Знач Токен = "") Экспорт

    Возврат ServerTime(URL, Токен);

КонецФункции

#EndRegion

#Region FeedPostsManagement

// Publishes a new post in the news feed.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  Text - body text of the post (string) - text
//  Visibility - who sees it: one code or an array of codes (UA everyone, SGn group, Un user, DRn department, Gn group) - vision
//  Files - attachments as an object of file name to content (path or base64); left out when empty - files
//  Title - heading of the post (string) - title
//  Important - whether the post is marked important (boolean, sent as Y/N) - important
//  Token - OAuth access token for app authorisation (string) - token
Function CreatePost(Val URL, Val Text, Val Visibility = "UA", Val Files = "", Val Title = "", Val Important = False, Val Token = "") Export

    Arguments = New Structure("URL,Text,Visibility,Files,Title,Important,Token", URL, Text, Visibility, Files, Title, Important, Token);
    Return Called("CreatePost", Arguments);

EndFunction

Функция СоздатьНовость(Знач URL, Знач Текст, Знач Видимость = "UA", Знач Файлы = "", Знач Заголовок = "", Знач Важное = Ложь, Знач Токен = "") Экспорт

    Возврат CreatePost(URL, Текст, Видимость, Файлы, Заголовок, Важное, Токен);

КонецФункции

// Changes the text, title, audience or files of a post.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  PostID - post ID (number or string) - postid
//  Text - new body text (string) - text
//  Visibility - who sees it: one code or an array of codes (UA, SGn, Un, DRn, Gn) - vision
//  Files - attachments as an object of file name to content (path or base64); left out when empty - files
//  Title - new heading (string) - title
//  Token - OAuth access token for app authorisation (string) - token
Function UpdatePost(Val URL, Val PostID, Val Text, Val Visibility = "UA", Val Files = "", Val Title = "", Val Token = "") Export

    Arguments = New Structure("URL,PostID,Text,Visibility,Files,Title,Token", URL, PostID, Text, Visibility, Files, Title, Token);
    Return Called("UpdatePost", Arguments);

EndFunction

Функция ИзменитьНовость(Знач URL, Знач IDНовости, Знач Текст, Знач Видимость = "UA", Знач Файлы = "", Знач Заголовок = "", Знач Токен = "") Экспорт

    Возврат UpdatePost(URL, IDНовости, Текст, Видимость, Файлы, Заголовок, Токен);

КонецФункции

// Removes a post from the feed.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  PostID - ID of the post to remove (number or string) - postid
//  Token - OAuth access token for app authorisation (string) - token
Function DeletePost(Val URL, Val PostID, Val Token = "") Export

    Arguments = New Structure("URL,PostID,Token", URL, PostID, Token);
    Return Called("DeletePost", Arguments);

EndFunction

Функция УдалитьНовость(Знач URL, Знач IDНовости, Знач Токен = "") Экспорт

    Возврат DeletePost(URL, IDНовости, Токен);

КонецФункции

// Lists the IDs of users who have read an important post.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  PostID - ID of the important post (number or string) - postid
//  Token - OAuth access token for app authorisation (string) - token
Function GetImportantPostViewers(Val URL, Val PostID, Val Token = "") Export

    Arguments = New Structure("URL,PostID,Token", URL, PostID, Token);
    Return Called("GetImportantPostViewers", Arguments);

EndFunction

Функция ПолучитьСписокПросмотревшихВажное(Знач URL, Знач IDНовости, Знач Токен = "") Экспорт

    Возврат GetImportantPostViewers(URL, IDНовости, Токен);

КонецФункции

// Reads one post by ID, or the posts visible to a given audience.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  PostID - ID of a single post to read (number or string) - postid
//  Filter - audience code the posts must be visible to (UA, SGn, Un, DRn, Gn) - sel
//  Token - OAuth access token for app authorisation (string) - token
Function GetPosts(Val URL, Val PostID = "", Val Filter = "UA", Val Token = "") Export

    Arguments = New Structure("URL,PostID,Filter,Token", URL, PostID, Filter, Token);
    Return Called("GetPosts", Arguments);

EndFunction

Функция ПолучитьНовости(Знач URL, Знач IDНовости = "", Знач Отбор = "UA", Знач Токен = "") Экспорт

    Возврат GetPosts(URL, IDНовости, Отбор, Токен);

КонецФункции

// Writes a comment under a post.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  PostID - post ID (number or string) - postid
//  Text - comment text (string) - text
//  Token - OAuth access token for app authorisation (string) - token
Function AddPostComment(Val URL, Val PostID, Val Text, Val Token = "") Export

    Arguments = New Structure("URL,PostID,Text,Token", URL, PostID, Text, Token);
    Return Called("AddPostComment", Arguments);

EndFunction

Функция ДобавитьКомментарийНовости(Знач URL, Знач IDНовости, Знач Текст, Знач Токен = "") Экспорт

    Возврат AddPostComment(URL, IDНовости, Текст, Токен);

КонецФункции

// Shares a post with more users or groups.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  PostID - post ID (number or string) - postid
//  Visibility - recipient code to add, sent as text (UA, SGn, Un, DRn, Gn) - vision
//  Token - OAuth access token for app authorisation (string) - token
Function AddPostRecipients(Val URL, Val PostID, Val Visibility, Val Token = "") Export

    Arguments = New Structure("URL,PostID,Visibility,Token", URL, PostID, Visibility, Token);
    Return Called("AddPostRecipients", Arguments);

EndFunction

Функция ДобавитьПолучателейКНовости(Знач URL, Знач IDНовости, Знач Видимость, Знач Токен = "") Экспорт

    Возврат AddPostRecipients(URL, IDНовости, Видимость, Токен);

КонецФункции

#EndRegion

#Region TasksManagement

// Reads one task by its ID.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function GetTask(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("GetTask", Arguments);

EndFunction

Функция ПолучитьЗадачу(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат GetTask(URL, IDЗадачи, Токен);

КонецФункции

// Reads one page of tasks (up to 50), optionally filtered; paging is left to the caller.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  Filter - filter object (see GetTasksFilterStructure), or its JSON text - filter
//  Indent - how many tasks to skip, for paging (number or string; 0 is not sent) - offset
//  Token - OAuth access token for app authorisation (string) - token
//  Fields - task fields to return: one name or an array of names - select
Function GetTasksList(Val URL, Val Filter = "", Val Indent = 0, Val Token = "", Val Fields = "") Export

    Arguments = New Structure("URL,Filter,Indent,Token,Fields", URL, Filter, Indent, Token, Fields);
    Return Called("GetTasksList", Arguments);

EndFunction

Функция ПолучитьСписокЗадач(Знач URL, Знач Фильтр = "", Знач Отступ = 0, Знач Токен = "", Знач Поля = "") Экспорт

    Возврат GetTasksList(URL, Фильтр, Отступ, Токен, Поля);

КонецФункции

// Creates a task from an object of its fields.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  FieldsStructure - task fields as an object, or its JSON text - fields
//  Token - OAuth access token for app authorisation (string) - token
Function CreateTask(Val URL, Val FieldsStructure, Val Token = "") Export

    Arguments = New Structure("URL,FieldsStructure,Token", URL, FieldsStructure, Token);
    Return Called("CreateTask", Arguments);

EndFunction

Функция СоздатьЗадачу(Знач URL, Знач СтруктураПолей, Знач Токен = "") Экспорт

    Возврат CreateTask(URL, СтруктураПолей, Токен);

КонецФункции

// Changes fields of an existing task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  FieldsStructure - fields to change as an object, or its JSON text - fields
//  Token - OAuth access token for app authorisation (string) - token
Function UpdateTask(Val URL, Val TaskID, Val FieldsStructure, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,FieldsStructure,Token", URL, TaskID, FieldsStructure, Token);
    Return Called("UpdateTask", Arguments);

EndFunction

Функция ИзменитьЗадачу(Знач URL, Знач IDЗадачи, Знач СтруктураПолей, Знач Токен = "") Экспорт

    Возврат UpdateTask(URL, IDЗадачи, СтруктураПолей, Токен);

КонецФункции

// Removes a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function DeleteTask(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("DeleteTask", Arguments);

EndFunction

Функция УдалитьЗадачу(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат DeleteTask(URL, IDЗадачи, Токен);

КонецФункции

// Attaches a file already on the portal's Drive to a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  FileID - Drive file ID (number or string) - fileid
//  Token - OAuth access token for app authorisation (string) - token
Function AttachFileToTopic(Val URL, Val TaskID, Val FileID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,FileID,Token", URL, TaskID, FileID, Token);
    Return Called("AttachFileToTopic", Arguments);

EndFunction

Функция ДобавитьФайлВЗадачу(Знач URL, Знач IDЗадачи, Знач IDФайла, Знач Токен = "") Экспорт

    Возврат AttachFileToTopic(URL, IDЗадачи, IDФайла, Токен);

КонецФункции

// Accepts a task that was sent for review.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function ApproveTask(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("ApproveTask", Arguments);

EndFunction

Функция ПринятьЗадачу(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат ApproveTask(URL, IDЗадачи, Токен);

КонецФункции

// Rejects a task that was sent for review.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function DisapproveTask(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("DisapproveTask", Arguments);

EndFunction

Функция ОтклонитьЗадачу(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат DisapproveTask(URL, IDЗадачи, Токен);

КонецФункции

// Marks a task as done.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function CompleteTask(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("CompleteTask", Arguments);

EndFunction

Функция ЗавершитьЗадачу(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат CompleteTask(URL, IDЗадачи, Токен);

КонецФункции

// Reopens a finished task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function RenewTask(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("RenewTask", Arguments);

EndFunction

Функция ВозобновитьЗадачу(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат RenewTask(URL, IDЗадачи, Токен);

КонецФункции

// Puts a task off for later.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function DeferTask(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("DeferTask", Arguments);

EndFunction

Функция ОтложитьЗадачу(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат DeferTask(URL, IDЗадачи, Токен);

КонецФункции

// Pauses work on a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function PauseTask(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("PauseTask", Arguments);

EndFunction

Функция ПриостановитьЗадачу(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат PauseTask(URL, IDЗадачи, Токен);

КонецФункции

// Moves a task into progress.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function StartTask(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("StartTask", Arguments);

EndFunction

Функция НачатьВыполнениеЗадачи(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат StartTask(URL, IDЗадачи, Токен);

КонецФункции

// Adds the current user as an observer of a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function StartWatchingTask(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("StartWatchingTask", Arguments);

EndFunction

Функция НачатьНаблюдатьЗаЗадачей(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат StartWatchingTask(URL, IDЗадачи, Токен);

КонецФункции

// Removes the current user from a task's observers.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function StopWatchingTask(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("StopWatchingTask", Arguments);

EndFunction

Функция ПрекратитьНаблюдатьЗаЗадачей(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат StopWatchingTask(URL, IDЗадачи, Токен);

КонецФункции

// Hands a task over to another responsible user.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  UserID - ID of the new responsible user (number or string) - user
//  Token - OAuth access token for app authorisation (string) - token
Function DelegateTask(Val URL, Val TaskID, Val UserID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,UserID,Token", URL, TaskID, UserID, Token);
    Return Called("DelegateTask", Arguments);

EndFunction

Функция ДелегироватьЗадачу(Знач URL, Знач IDЗадачи, Знач IDПользователя, Знач Токен = "") Экспорт

    Возврат DelegateTask(URL, IDЗадачи, IDПользователя, Токен);

КонецФункции

// Adds a task to the user's favourites.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function AddTaskToFavorites(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("AddTaskToFavorites", Arguments);

EndFunction

Функция ДобавитьЗадачуВИзбранное(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат AddTaskToFavorites(URL, IDЗадачи, Токен);

КонецФункции

// Takes a task out of the user's favourites.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function RemoveTaskFromFavorites(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("RemoveTaskFromFavorites", Arguments);

EndFunction

Функция УбратьЗадачуИзИзбранного(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат RemoveTaskFromFavorites(URL, IDЗадачи, Токен);

КонецФункции

// Reads the change log of a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function GetTaskHistory(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("GetTaskHistory", Arguments);

EndFunction

Функция ПолучитьИсториюЗадачи(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат GetTaskHistory(URL, IDЗадачи, Токен);

КонецФункции

// Tells which actions on a task are allowed to the given users.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Users - user IDs to check: one ID or an array of IDs - users
//  Token - OAuth access token for app authorisation (string) - token
Function CheckTaskAccesses(Val URL, Val TaskID, Val Users = "", Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Users,Token", URL, TaskID, Users, Token);
    Return Called("CheckTaskAccesses", Arguments);

EndFunction

Функция ПроверитьДоступКЗадаче(Знач URL, Знач IDЗадачи, Знач Пользователи = "", Знач Токен = "") Экспорт

    Возврат CheckTaskAccesses(URL, IDЗадачи, Пользователи, Токен);

КонецФункции

// Silences notifications about a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function MuteTask(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("MuteTask", Arguments);

EndFunction

Функция ОтключитьЗвукЗадачи(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат MuteTask(URL, IDЗадачи, Токен);

КонецФункции

// Turns notifications about a task back on.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token for app authorisation (string) - token
Function UnmuteTask(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("UnmuteTask", Arguments);

EndFunction

Функция ВключитьЗвукЗадачи(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат UnmuteTask(URL, IDЗадачи, Токен);

КонецФункции

// Links two tasks so that one depends on the other.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  FromID - ID of the task the link starts from (number or string) - taskfrom
//  DestinationID - ID of the task the link leads to (number or string) - taskto
//  LinkType - link type 0-3 (start-start, start-finish, finish-start, finish-finish); made text first, so 0 is sent - linktype
//  Token - OAuth access token for app authorisation (string) - token
Function CreateTasksDependencies(Val URL, Val FromID, Val DestinationID, Val LinkType, Val Token = "") Export

    Arguments = New Structure("URL,FromID,DestinationID,LinkType,Token", URL, FromID, DestinationID, LinkType, Token);
    Return Called("CreateTasksDependencies", Arguments);

EndFunction

Функция СоздатьЗависимостьЗадач(Знач URL, Знач IDИсточника, Знач IDПриемника, Знач ТипСвязи, Знач Токен = "") Экспорт

    Возврат CreateTasksDependencies(URL, IDИсточника, IDПриемника, ТипСвязи, Токен);

КонецФункции

// Removes a dependency link between two tasks.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  FromID - ID of the task the link starts from (number or string) - taskfrom
//  DestinationID - ID of the task the link leads to (number or string) - taskto
//  LinkType - link type 0-3 (start-start, start-finish, finish-start, finish-finish); made text first, so 0 is sent - linktype
//  Token - OAuth access token for app authorisation (string) - token
Function DeleteTasksDependencies(Val URL, Val FromID, Val DestinationID, Val LinkType, Val Token = "") Export

    Arguments = New Structure("URL,FromID,DestinationID,LinkType,Token", URL, FromID, DestinationID, LinkType, Token);
    Return Called("DeleteTasksDependencies", Arguments);

EndFunction

Функция УдалитьЗависимостьЗадач(Знач URL, Знач IDИсточника, Знач IDПриемника, Знач ТипСвязи, Знач Токен = "") Экспорт

    Возврат DeleteTasksDependencies(URL, IDИсточника, IDПриемника, ТипСвязи, Токен);

КонецФункции

// Reads the current user's task plan for today.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  Token - OAuth access token for app authorisation (string) - token
Function GetDailyPlan(Val URL, Val Token = "") Export

    Arguments = New Structure("URL,Token", URL, Token);
    Return Called("GetDailyPlan", Arguments);

EndFunction

Функция ПолучитьПланЗадачНаДень(Знач URL, Знач Токен = "") Экспорт

    Возврат GetDailyPlan(URL, Токен);

КонецФункции

// Asks the portal to describe the fields a task has.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is given - url
//  Token - OAuth access token for app authorisation (string) - token
Function GetTaskFieldsStructure(Val URL, Val Token = "") Export

    Arguments = New Structure("URL,Token", URL, Token);
    Return Called("GetTaskFieldsStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруЗадачи(Знач URL, Знач Токен = "") Экспорт

    Возврат GetTaskFieldsStructure(URL, Токен);

КонецФункции

// Gives a template of the task filter fields for GetTasksList (no request).
//
// Parameters:
//  Clear - true for empty values instead of field descriptions (boolean) - empty
//  AsMap - true to get the fields as a map, where operator prefixes can be added (boolean) - map
Function GetTasksFilterStructure(Val Clear = False, Val AsMap = False) Export

    Arguments = New Structure("Clear,AsMap", Clear, AsMap);
    Return CalledForValue("GetTasksFilterStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруФильтраЗадач(Знач Пустая = Ложь, Знач КакСоответствие = Ложь) Экспорт

    Возврат GetTasksFilterStructure(Пустая, КакСоответствие);

КонецФункции

#EndRegion

#Region CustomsTasksFieldsManagement

// Lists the user-defined fields available on tasks.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function GetCustomTaskFieldsList(Val URL, Val Token = "") Export

    Arguments = New Structure("URL,Token", URL, Token);
    Return Called("GetCustomTaskFieldsList", Arguments);

EndFunction

Функция ПолучитьСписокПользовательскихПолейЗадачи(Знач URL, Знач Токен = "") Экспорт

    Возврат GetCustomTaskFieldsList(URL, Токен);

КонецФункции

// Creates a new user-defined task field.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  Type - data type of the field, e.g. string, double, date or boolean (string) - type
//  Name - code name of the new field (string) - fieldname
//  ExternalID - identifier used by outside systems (string) - externalid
//  Title - caption of the field (string) - title
//  Signature - form label per language, keys en/ru (object or JSON text) - label
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function AddCustomTaskField(Val URL, Val Type, Val Name, Val ExternalID = "", Val Title = "", Val Signature = "", Val Token = "") Export

    Arguments = New Structure("URL,Type,Name,ExternalID,Title,Signature,Token", URL, Type, Name, ExternalID, Title, Signature, Token);
    Return Called("AddCustomTaskField", Arguments);

EndFunction

Функция ДобавитьПользовательскоеПолеЗадачи(Знач URL, Знач Тип, Знач Имя, Знач ВнешнийКод = "", Знач Заголовок = "", Знач Подпись = "", Знач Токен = "") Экспорт

    Возврат AddCustomTaskField(URL, Тип, Имя, ВнешнийКод, Заголовок, Подпись, Токен);

КонецФункции

// Changes an existing user-defined task field.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  FieldID - ID of the field to change (number or string) - fieldid
//  ExternalID - new identifier for outside systems (string) - externalid
//  Title - new caption of the field (string) - title
//  Signature - new form label per language, keys en/ru (object or JSON text) - label
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function UpdateCustomTaskField(Val URL, Val FieldID, Val ExternalID = "", Val Title = "", Val Signature = "", Val Token = "") Export

    Arguments = New Structure("URL,FieldID,ExternalID,Title,Signature,Token", URL, FieldID, ExternalID, Title, Signature, Token);
    Return Called("UpdateCustomTaskField", Arguments);

EndFunction

Функция ИзменитьПользовательскоеПолеЗадачи(Знач URL, Знач IDПоля, Знач ВнешнийКод = "", Знач Заголовок = "", Знач Подпись = "", Знач Токен = "") Экспорт

    Возврат UpdateCustomTaskField(URL, IDПоля, ВнешнийКод, Заголовок, Подпись, Токен);

КонецФункции

// Reads one user-defined task field.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  FieldID - ID of the field to read (number or string) - fieldid
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function GetCustomTaskField(Val URL, Val FieldID, Val Token = "") Export

    Arguments = New Structure("URL,FieldID,Token", URL, FieldID, Token);
    Return Called("GetCustomTaskField", Arguments);

EndFunction

Функция ПолучитьПользовательскоеПолеЗадачи(Знач URL, Знач IDПоля, Знач Токен = "") Экспорт

    Возврат GetCustomTaskField(URL, IDПоля, Токен);

КонецФункции

// Removes a user-defined task field.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  FieldID - ID of the field to remove (number or string) - fieldid
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function DeleteCustomTaskField(Val URL, Val FieldID, Val Token = "") Export

    Arguments = New Structure("URL,FieldID,Token", URL, FieldID, Token);
    Return Called("DeleteCustomTaskField", Arguments);

EndFunction

Функция УдалитьПользовательскоеПолеЗадачи(Знач URL, Знач IDПоля, Знач Токен = "") Экспорт

    Возврат DeleteCustomTaskField(URL, IDПоля, Токен);

КонецФункции

#EndRegion

#Region TasksChecklistsManagement

// Appends an item to a task's checklist.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  Text - wording of the checklist item (string) - text
//  Completed - whether the item starts out ticked (boolean) - complete
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function AddTasksChecklistElement(Val URL, Val TaskID, Val Text, Val Completed = False, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Text,Completed,Token", URL, TaskID, Text, Completed, Token);
    Return Called("AddTasksChecklistElement", Arguments);

EndFunction

Функция ДобавитьЭлементЧеклистаЗадачи(Знач URL, Знач IDЗадачи, Знач Текст, Знач Выполнен = Ложь, Знач Токен = "") Экспорт

    Возврат AddTasksChecklistElement(URL, IDЗадачи, Текст, Выполнен, Токен);

КонецФункции

// Rewrites the text of a checklist item.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  ElementID - checklist item ID (number or string) - element
//  Text - new wording of the item (string) - text
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function UpdateTasksChecklistElement(Val URL, Val TaskID, Val ElementID, Val Text, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,ElementID,Text,Token", URL, TaskID, ElementID, Text, Token);
    Return Called("UpdateTasksChecklistElement", Arguments);

EndFunction

Функция ИзменитьЭлементЧеклистаЗадачи(Знач URL, Знач IDЗадачи, Знач IDЭлемента, Знач Текст, Знач Токен = "") Экспорт

    Возврат UpdateTasksChecklistElement(URL, IDЗадачи, IDЭлемента, Текст, Токен);

КонецФункции

// Removes an item from a task's checklist.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  ElementID - ID of the item to remove (number or string) - element
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function DeleteTasksChecklistElement(Val URL, Val TaskID, Val ElementID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,ElementID,Token", URL, TaskID, ElementID, Token);
    Return Called("DeleteTasksChecklistElement", Arguments);

EndFunction

Функция УдалитьЭлементЧеклистаЗадачи(Знач URL, Знач IDЗадачи, Знач IDЭлемента, Знач Токен = "") Экспорт

    Возврат DeleteTasksChecklistElement(URL, IDЗадачи, IDЭлемента, Токен);

КонецФункции

// Lists all items of a task's checklist.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function GetTasksChecklist(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("GetTasksChecklist", Arguments);

EndFunction

Функция ПолучитьЧеклистЗадачи(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат GetTasksChecklist(URL, IDЗадачи, Токен);

КонецФункции

// Reads one checklist item.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  ElementID - checklist item ID (number or string) - element
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function GetTasksChecklistElement(Val URL, Val TaskID, Val ElementID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,ElementID,Token", URL, TaskID, ElementID, Token);
    Return Called("GetTasksChecklistElement", Arguments);

EndFunction

Функция ПолучитьЭлементЧеклистаЗадачи(Знач URL, Знач IDЗадачи, Знач IDЭлемента, Знач Токен = "") Экспорт

    Возврат GetTasksChecklistElement(URL, IDЗадачи, IDЭлемента, Токен);

КонецФункции

// Ticks a checklist item as done.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  ElementID - checklist item ID (number or string) - element
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function CompleteTasksChecklistElement(Val URL, Val TaskID, Val ElementID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,ElementID,Token", URL, TaskID, ElementID, Token);
    Return Called("CompleteTasksChecklistElement", Arguments);

EndFunction

Функция ВыполнитьЭлементЧеклистаЗадачи(Знач URL, Знач IDЗадачи, Знач IDЭлемента, Знач Токен = "") Экспорт

    Возврат CompleteTasksChecklistElement(URL, IDЗадачи, IDЭлемента, Токен);

КонецФункции

// Clears the done mark of a checklist item.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  ElementID - checklist item ID (number or string) - element
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function RenewTasksChecklistElement(Val URL, Val TaskID, Val ElementID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,ElementID,Token", URL, TaskID, ElementID, Token);
    Return Called("RenewTasksChecklistElement", Arguments);

EndFunction

Функция ВозобновитьЭлементЧеклистаЗадачи(Знач URL, Знач IDЗадачи, Знач IDЭлемента, Знач Токен = "") Экспорт

    Возврат RenewTasksChecklistElement(URL, IDЗадачи, IDЭлемента, Токен);

КонецФункции

#EndRegion

#Region CommentsAndResultsManagement

// Lists the comments left on a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function GetTaskCommentsList(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("GetTaskCommentsList", Arguments);

EndFunction

Функция ПолучитьСписокКомментариевЗадачи(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат GetTaskCommentsList(URL, IDЗадачи, Токен);

КонецФункции

// Reads one comment of a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  CommentID - comment ID (number or string) - comment
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function GetTaskComment(Val URL, Val TaskID, Val CommentID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,CommentID,Token", URL, TaskID, CommentID, Token);
    Return Called("GetTaskComment", Arguments);

EndFunction

Функция ПолучитьКомменатрийЗадачи(Знач URL, Знач IDЗадачи, Знач IDКомментария, Знач Токен = "") Экспорт

    Возврат GetTaskComment(URL, IDЗадачи, IDКомментария, Токен);

КонецФункции

// Posts a new comment on a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  Text - body of the comment (string) - text
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function AddTaskComment(Val URL, Val TaskID, Val Text, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Text,Token", URL, TaskID, Text, Token);
    Return Called("AddTaskComment", Arguments);

EndFunction

Функция ДобавитьКомментарийЗадачи(Знач URL, Знач IDЗадачи, Знач Текст, Знач Токен = "") Экспорт

    Возврат AddTaskComment(URL, IDЗадачи, Текст, Токен);

КонецФункции

// Replaces the text of a task comment.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  CommentID - comment ID (number or string) - comment
//  Text - new body of the comment (string) - text
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function UpdateTaskComment(Val URL, Val TaskID, Val CommentID, Val Text, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,CommentID,Text,Token", URL, TaskID, CommentID, Text, Token);
    Return Called("UpdateTaskComment", Arguments);

EndFunction

Функция ИзменитьКомментарийЗадачи(Знач URL, Знач IDЗадачи, Знач IDКомментария, Знач Текст, Знач Токен = "") Экспорт

    Возврат UpdateTaskComment(URL, IDЗадачи, IDКомментария, Текст, Токен);

КонецФункции

// Removes a comment from a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  CommentID - ID of the comment to remove (number or string) - comment
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function DeleteTaskComment(Val URL, Val TaskID, Val CommentID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,CommentID,Token", URL, TaskID, CommentID, Token);
    Return Called("DeleteTaskComment", Arguments);

EndFunction

Функция УдалитьКомментарийЗадачи(Знач URL, Знач IDЗадачи, Знач IDКомментария, Знач Токен = "") Экспорт

    Возврат DeleteTaskComment(URL, IDЗадачи, IDКомментария, Токен);

КонецФункции

// Lists the results recorded for a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function GetResultsList(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("GetResultsList", Arguments);

EndFunction

Функция ПолучитьСписокРезультатов(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат GetResultsList(URL, IDЗадачи, Токен);

КонецФункции

// Turns a task comment into a task result.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  CommentID - comment ID (number or string) - comment
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function CreateResultFromComment(Val URL, Val CommentID, Val Token = "") Export

    Arguments = New Structure("URL,CommentID,Token", URL, CommentID, Token);
    Return Called("CreateResultFromComment", Arguments);

EndFunction

Функция СоздатьРезультатИзКомментария(Знач URL, Знач IDКомментария, Знач Токен = "") Экспорт

    Возврат CreateResultFromComment(URL, IDКомментария, Токен);

КонецФункции

// Withdraws a result that was made from a comment.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  CommentID - comment ID (number or string) - comment
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function DeleteResultFromComment(Val URL, Val CommentID, Val Token = "") Export

    Arguments = New Structure("URL,CommentID,Token", URL, CommentID, Token);
    Return Called("DeleteResultFromComment", Arguments);

EndFunction

Функция УдалитьРезультатИзКомментария(Знач URL, Знач IDКомментария, Знач Токен = "") Экспорт

    Возврат DeleteResultFromComment(URL, IDКомментария, Токен);

КонецФункции

// Offline: returns the set of comment fields, with hints or blank.
//
// Parameters:
//  Clear - true for blank values, false for a hint in each value (boolean) - empty
Function GetCommentStructure(Val Clear = False) Export

    Arguments = New Structure("Clear", Clear);
    Return CalledForValue("GetCommentStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруКомментария(Знач Пустая = Ложь) Экспорт

    Возврат GetCommentStructure(Пустая);

КонецФункции

#EndRegion

#Region Kanban

// Creates a stage in a group kanban or in a user's My Plan.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  Name - name of the new stage (string) - title
//  Color - stage colour as a hex code without # (string) - color
//  PrevStageID - stage after which the new one goes; 0 puts it first (number or string) - prevstage
//  EntityID - group or user owning the kanban; 0 means the caller's own (number or string) - entityid
//  AsAdmin - skip the access check, for administrators (boolean) - admin
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function AddKanbanStage(Val URL, Val Name, Val Color = "FFD800", Val PrevStageID = 0, Val EntityID = 0, Val AsAdmin = False, Val Token = "") Export

    Arguments = New Structure("URL,Name,Color,PrevStageID,EntityID,AsAdmin,Token", URL, Name, Color, PrevStageID, EntityID, AsAdmin, Token);
    Return Called("AddKanbanStage", Arguments);

EndFunction

Функция ДобавитьСтадиюКанбана(Знач URL, Знач Наименование, Знач Цвет = "FFD800", Знач IDПредыдущей = 0, Знач IDСущности = 0, Знач КакАдминистратор = Ложь, Знач Токен = "") Экспорт

    Возврат AddKanbanStage(URL, Наименование, Цвет, IDПредыдущей, IDСущности, КакАдминистратор, Токен);

КонецФункции

// Changes the name, colour or position of a kanban stage.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  Name - new name of the stage (string) - title
//  StageID - ID of the stage to change (number or string) - stage
//  Color - new colour as a hex code without # (string) - color
//  PrevStageID - stage after which this one should be placed (number or string) - prevstage
//  AsAdmin - skip the access check, for administrators; sent as a JSON boolean (boolean) - admin
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function UpdateKanbansStage(Val URL, Val Name, Val StageID, Val Color = "", Val PrevStageID = 0, Val AsAdmin = False, Val Token = "") Export

    Arguments = New Structure("URL,Name,StageID,Color,PrevStageID,AsAdmin,Token", URL, Name, StageID, Color, PrevStageID, AsAdmin, Token);
    Return Called("UpdateKanbansStage", Arguments);

EndFunction

Функция ИзменитьСтадиюКанбана(Знач URL, Знач Наименование, Знач IDСтадии, Знач Цвет = "", Знач IDПредыдущей = 0, Знач КакАдминистратор = Ложь, Знач Токен = "") Экспорт

    Возврат UpdateKanbansStage(URL, Наименование, IDСтадии, Цвет, IDПредыдущей, КакАдминистратор, Токен);

КонецФункции

// Removes a kanban stage that holds no tasks.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  StageID - ID of the stage to remove (number or string) - stage
//  AsAdmin - skip the access check, for administrators (boolean) - admin
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function DeleteKanbanStage(Val URL, Val StageID, Val AsAdmin = False, Val Token = "") Export

    Arguments = New Structure("URL,StageID,AsAdmin,Token", URL, StageID, AsAdmin, Token);
    Return Called("DeleteKanbanStage", Arguments);

EndFunction

Функция УдалитьСтадиюКанбана(Знач URL, Знач IDСтадии, Знач КакАдминистратор = Ложь, Знач Токен = "") Экспорт

    Возврат DeleteKanbanStage(URL, IDСтадии, КакАдминистратор, Токен);

КонецФункции

// Lists the stages of a kanban or of My Plan.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  EntityID - group or user owning the kanban; 0 (sent as "0") means the caller's own (number or string) - entityid
//  AsAdmin - skip the access check, for administrators (boolean) - admin
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function GetKanbanStages(Val URL, Val EntityID = 0, Val AsAdmin = False, Val Token = "") Export

    Arguments = New Structure("URL,EntityID,AsAdmin,Token", URL, EntityID, AsAdmin, Token);
    Return Called("GetKanbanStages", Arguments);

EndFunction

Функция ПолучитьСтадииКанбана(Знач URL, Знач IDСущности = 0, Знач КакАдминистратор = Ложь, Знач Токен = "") Экспорт

    Возврат GetKanbanStages(URL, IDСущности, КакАдминистратор, Токен);

КонецФункции

// Moves a task into a stage, next to another task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - ID of the task to move (number or string) - task
//  StageID - ID of the target stage (number or string) - stage
//  Prev - task to place the moved one in front of; when filled, After is ignored (number or string) - before
//  After - task to place the moved one behind; used only when Prev is empty, 0 sent as "0" (number or string) - after
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function MoveTaskToKanbanStage(Val URL, Val TaskID, Val StageID, Val Prev = 0, Val After = 0, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,StageID,Prev,After,Token", URL, TaskID, StageID, Prev, After, Token);
    Return Called("MoveTaskToKanbanStage", Arguments);

EndFunction

Функция ПеренестиЗадачуВСтадиюКанбана(Знач URL, Знач IDЗадачи, Знач IDСтадии, Знач Перед = 0, Знач После = 0, Знач Токен = "") Экспорт

    Возврат MoveTaskToKanbanStage(URL, IDЗадачи, IDСтадии, Перед, После, Токен);

КонецФункции

#EndRegion

#Region Timekeeping

// Records time a user spent on a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  Time - time spent, in seconds (number or string) - amount
//  UserID - user the time is booked for; the caller by default (number or string) - user
//  Text - comment attached to the record (string) - text
//  SetupDate - date and time the record is dated (date or ISO text) - date
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function AddTaskTimeAccounting(Val URL, Val TaskID, Val Time, Val UserID = "", Val Text = "", Val SetupDate = "", Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Time,UserID,Text,SetupDate,Token", URL, TaskID, Time, UserID, Text, SetupDate, Token);
    Return Called("AddTaskTimeAccounting", Arguments);

EndFunction

Функция ДобавитьТрудозатратыЗадачи(Знач URL, Знач IDЗадачи, Знач Время, Знач IDПользователя = "", Знач Текст = "", Знач ДатаУстановки = "", Знач Токен = "") Экспорт

    Возврат AddTaskTimeAccounting(URL, IDЗадачи, Время, IDПользователя, Текст, ДатаУстановки, Токен);

КонецФункции

// Removes a time record from a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  RecordID - ID of the time record (number or string) - record
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function DeleteTaskTimeAccounting(Val URL, Val TaskID, Val RecordID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,RecordID,Token", URL, TaskID, RecordID, Token);
    Return Called("DeleteTaskTimeAccounting", Arguments);

EndFunction

Функция УдалитьТрудозатратыЗадачи(Знач URL, Знач IDЗадачи, Знач IDЗаписи, Знач Токен = "") Экспорт

    Возврат DeleteTaskTimeAccounting(URL, IDЗадачи, IDЗаписи, Токен);

КонецФункции

// Lists the time records of a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function GetTaskTimeAccountingList(Val URL, Val TaskID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,Token", URL, TaskID, Token);
    Return Called("GetTaskTimeAccountingList", Arguments);

EndFunction

Функция ПолучитьСписокТрудозатратЗадачи(Знач URL, Знач IDЗадачи, Знач Токен = "") Экспорт

    Возврат GetTaskTimeAccountingList(URL, IDЗадачи, Токен);

КонецФункции

// Reads one time record of a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  RecordID - ID of the time record (number or string) - record
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function GetTaskTimeAccounting(Val URL, Val TaskID, Val RecordID, Val Token = "") Export

    Arguments = New Structure("URL,TaskID,RecordID,Token", URL, TaskID, RecordID, Token);
    Return Called("GetTaskTimeAccounting", Arguments);

EndFunction

Функция ПолучитьТрудозатратыЗадачи(Знач URL, Знач IDЗадачи, Знач IDЗаписи, Знач Токен = "") Экспорт

    Возврат GetTaskTimeAccounting(URL, IDЗадачи, IDЗаписи, Токен);

КонецФункции

// Changes a time record of a task.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  TaskID - task ID (number or string) - task
//  RecordID - ID of the time record (number or string) - record
//  Time - new amount of time, in seconds (number or string) - amount
//  Text - new comment of the record (string) - text
//  SetupDate - new date and time of the record (date or ISO text) - date
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function UpdateTaskTimeAccounting(Val URL, Val TaskID, Val RecordID, Val Time, Val Text = "", Val SetupDate = "", Val Token = "") Export

    Arguments = New Structure("URL,TaskID,RecordID,Time,Text,SetupDate,Token", URL, TaskID, RecordID, Time, Text, SetupDate, Token);
    Return Called("UpdateTaskTimeAccounting", Arguments);

EndFunction

Функция ИзменитьТрудозатратыЗадачи(Знач URL, Знач IDЗадачи, Знач IDЗаписи, Знач Время, Знач Текст = "", Знач ДатаУстановки = "", Знач Токен = "") Экспорт

    Возврат UpdateTaskTimeAccounting(URL, IDЗадачи, IDЗаписи, Время, Текст, ДатаУстановки, Токен);

КонецФункции

// Opens a user's working day.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  UserID - user whose day starts; the caller by default (number or string) - userid
//  Time - start moment, on today's date; now by default (date or ISO text) - time
//  Report - reason for the change, needed with Time when the schedule is fixed (string) - report
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function StartTimekeeping(Val URL, Val UserID = "", Val Time = "", Val Report = "", Val Token = "") Export

    Arguments = New Structure("URL,UserID,Time,Report,Token", URL, UserID, Time, Report, Token);
    Return Called("StartTimekeeping", Arguments);

EndFunction

Функция НачатьУчетВремени(Знач URL, Знач IDПользователя = "", Знач Время = "", Знач Отчет = "", Знач Токен = "") Экспорт

    Возврат StartTimekeeping(URL, IDПользователя, Время, Отчет, Токен);

КонецФункции

// Closes a user's working day.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  UserID - user whose day ends; the caller by default (number or string) - userid
//  Time - end moment, on today's date; now by default (date or ISO text) - time
//  Report - reason for the change, needed with Time when the schedule is fixed (string) - report
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function StopTimekeeping(Val URL, Val UserID = "", Val Time = "", Val Report = "", Val Token = "") Export

    Arguments = New Structure("URL,UserID,Time,Report,Token", URL, UserID, Time, Report, Token);
    Return Called("StopTimekeeping", Arguments);

EndFunction

Функция ЗавершитьУчетВремени(Знач URL, Знач IDПользователя = "", Знач Время = "", Знач Отчет = "", Знач Токен = "") Экспорт

    Возврат StopTimekeeping(URL, IDПользователя, Время, Отчет, Токен);

КонецФункции

// Puts a user's working day on a break.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  UserID - user to pause; the caller by default (number or string) - userid
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function PauseTimekeeping(Val URL, Val UserID = "", Val Token = "") Export

    Arguments = New Structure("URL,UserID,Token", URL, UserID, Token);
    Return Called("PauseTimekeeping", Arguments);

EndFunction

Функция ПриостановитьУчетВремени(Знач URL, Знач IDПользователя = "", Знач Токен = "") Экспорт

    Возврат PauseTimekeeping(URL, IDПользователя, Токен);

КонецФункции

// Reports the state of a user's working day.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  UserID - user to ask about; the caller by default (number or string) - userid
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function GetTimekeepingStatus(Val URL, Val UserID = "", Val Token = "") Export

    Arguments = New Structure("URL,UserID,Token", URL, UserID, Token);
    Return Called("GetTimekeepingStatus", Arguments);

EndFunction

Функция ПолучитьСтатусУчетаВремени(Знач URL, Знач IDПользователя = "", Знач Токен = "") Экспорт

    Возврат GetTimekeepingStatus(URL, IDПользователя, Токен);

КонецФункции

// Reads a user's working-time settings.
//
// Parameters:
//  URL - webhook URL, or the portal domain when a token is used (string) - url
//  UserID - user to ask about; the caller by default (number or string) - userid
//  Token - OAuth access token of an application; empty for a webhook (string) - token
Function GetTimekeepingSettings(Val URL, Val UserID = "", Val Token = "") Export

    Arguments = New Structure("URL,UserID,Token", URL, UserID, Token);
    Return Called("GetTimekeepingSettings", Arguments);

EndFunction

Функция ПолучитьНастройкиУчетаВремени(Знач URL, Знач IDПользователя = "", Знач Токен = "") Экспорт

    Возврат GetTimekeepingSettings(URL, IDПользователя, Токен);

КонецФункции

#EndRegion

#Region StoragesManagement

// Lists the file storages the caller can reach.
//
// Parameters:
//  URL -  - url
//  Token -  - token
Function GetStoragesList(Val URL, Val Token = "") Export

    Arguments = New Structure("URL,Token", URL, Token);
    Return Called("GetStoragesList", Arguments);

EndFunction

Функция ПолучитьСписокХранилищ(Знач URL, Знач Токен = "") Экспорт

    Возврат GetStoragesList(URL, Токен);

КонецФункции

// Describes the storage set aside for the application's own data.
//
// Parameters:
//  URL -  - url
//  Token -  - token
Function GetAppStorage(Val URL, Val Token = "") Export

    Arguments = New Structure("URL,Token", URL, Token);
    Return Called("GetAppStorage", Arguments);

EndFunction

Функция ПолучитьХранилищеПриложения(Знач URL, Знач Токен = "") Экспорт

    Возврат GetAppStorage(URL, Токен);

КонецФункции

// Describes one storage by its ID.
//
// Parameters:
//  URL -  - url
//  StorageID - storage ID (number or string) - storageid
//  Token -  - token
Function GetStorage(Val URL, Val StorageID, Val Token = "") Export

    Arguments = New Structure("URL,StorageID,Token", URL, StorageID, Token);
    Return Called("GetStorage", Arguments);

EndFunction

Функция ПолучитьХранилище(Знач URL, Знач IDХранилища, Знач Токен = "") Экспорт

    Возврат GetStorage(URL, IDХранилища, Токен);

КонецФункции

// Gives a storage a new name (works for the application storage only).
//
// Parameters:
//  URL -  - url
//  StorageID - storage ID (number or string) - storageid
//  Name - the new storage name (string) - title
//  Token -  - token
Function RenameStorage(Val URL, Val StorageID, Val Name, Val Token = "") Export

    Arguments = New Structure("URL,StorageID,Name,Token", URL, StorageID, Name, Token);
    Return Called("RenameStorage", Arguments);

EndFunction

Функция ПереименоватьХранилище(Знач URL, Знач IDХранилища, Знач Наименование, Знач Токен = "") Экспорт

    Возврат RenameStorage(URL, IDХранилища, Наименование, Токен);

КонецФункции

// Lists the files and folders at the root of a storage.
//
// Parameters:
//  URL -  - url
//  StorageID - storage ID (number or string) - storageid
//  Token -  - token
Function GetStorageObjects(Val URL, Val StorageID, Val Token = "") Export

    Arguments = New Structure("URL,StorageID,Token", URL, StorageID, Token);
    Return Called("GetStorageObjects", Arguments);

EndFunction

Функция ПолучитьСодержимоеХранилища(Знач URL, Знач IDХранилища, Знач Токен = "") Экспорт

    Возврат GetStorageObjects(URL, IDХранилища, Токен);

КонецФункции

// Makes a new empty folder at the root of a storage.
//
// Parameters:
//  URL -  - url
//  StorageID - storage ID (string) - storageid
//  Name - name of the folder to create (string) - title
//  Token -  - token
Function CreateStorageFolder(Val URL, Val StorageID, Val Name, Val Token = "") Export

    Arguments = New Structure("URL,StorageID,Name,Token", URL, StorageID, Name, Token);
    Return Called("CreateStorageFolder", Arguments);

EndFunction

Функция СоздатьКаталогВХранилище(Знач URL, Знач IDХранилища, Знач Наименование, Знач Токен = "") Экспорт

    Возврат CreateStorageFolder(URL, IDХранилища, Наименование, Токен);

КонецФункции

#EndRegion

#Region CatalogsManagement

// Describes one folder by its ID.
//
// Parameters:
//  URL -  - url
//  FolderID - folder ID (number or string) - folderid
//  Token -  - token
Function GetFolderInformation(Val URL, Val FolderID, Val Token = "") Export

    Arguments = New Structure("URL,FolderID,Token", URL, FolderID, Token);
    Return Called("GetFolderInformation", Arguments);

EndFunction

Функция ПолучитьИнформациюОКаталоге(Знач URL, Знач IDКаталога, Знач Токен = "") Экспорт

    Возврат GetFolderInformation(URL, IDКаталога, Токен);

КонецФункции

// Makes a new folder inside an existing one.
//
// Parameters:
//  URL -  - url
//  FolderID - parent folder ID (number or string) - folderid
//  Name - name of the new folder (string) - title
//  Token -  - token
Function CreateSubfolder(Val URL, Val FolderID, Val Name, Val Token = "") Export

    Arguments = New Structure("URL,FolderID,Name,Token", URL, FolderID, Name, Token);
    Return Called("CreateSubfolder", Arguments);

EndFunction

Функция СоздатьПодкаталог(Знач URL, Знач IDКаталога, Знач Наименование, Знач Токен = "") Экспорт

    Возврат CreateSubfolder(URL, IDКаталога, Наименование, Токен);

КонецФункции

// Copies a folder into another folder.
//
// Parameters:
//  URL -  - url
//  FolderID - ID of the folder to copy (number or string) - folderid
//  DestinationID - ID of the folder that receives the copy (number or string) - tagetid
//  Token -  - token
Function MakeFolderCopy(Val URL, Val FolderID, Val DestinationID, Val Token = "") Export

    Arguments = New Structure("URL,FolderID,DestinationID,Token", URL, FolderID, DestinationID, Token);
    Return Called("MakeFolderCopy", Arguments);

EndFunction

Функция СкопироватьКаталог(Знач URL, Знач IDКаталога, Знач IDПриемника, Знач Токен = "") Экспорт

    Возврат MakeFolderCopy(URL, IDКаталога, IDПриемника, Токен);

КонецФункции

// Moves a folder into another folder.
//
// Parameters:
//  URL -  - url
//  FolderID - ID of the folder to move (number or string) - folderid
//  DestinationID - ID of the destination folder (number or string) - tagetid
//  Token -  - token
Function MoveFolder(Val URL, Val FolderID, Val DestinationID, Val Token = "") Export

    Arguments = New Structure("URL,FolderID,DestinationID,Token", URL, FolderID, DestinationID, Token);
    Return Called("MoveFolder", Arguments);

EndFunction

Функция ПереместитьКаталог(Знач URL, Знач IDКаталога, Знач IDПриемника, Знач Токен = "") Экспорт

    Возврат MoveFolder(URL, IDКаталога, IDПриемника, Токен);

КонецФункции

// Deletes a folder together with everything inside it.
//
// Parameters:
//  URL -  - url
//  FolderID - ID of the folder to delete (number or string) - folderid
//  Token -  - token
Function DeleteFolder(Val URL, Val FolderID, Val Token = "") Export

    Arguments = New Structure("URL,FolderID,Token", URL, FolderID, Token);
    Return Called("DeleteFolder", Arguments);

EndFunction

Функция УдалитьКаталог(Знач URL, Знач IDКаталога, Знач Токен = "") Экспорт

    Возврат DeleteFolder(URL, IDКаталога, Токен);

КонецФункции

// Returns a public link that opens the folder.
//
// Parameters:
//  URL -  - url
//  FolderID - folder ID (number or string) - folderid
//  Token -  - token
Function GetFolderExternalLink(Val URL, Val FolderID, Val Token = "") Export

    Arguments = New Structure("URL,FolderID,Token", URL, FolderID, Token);
    Return Called("GetFolderExternalLink", Arguments);

EndFunction

Функция ПолучитьВнешнююСсылкуКаталога(Знач URL, Знач IDКаталога, Знач Токен = "") Экспорт

    Возврат GetFolderExternalLink(URL, IDКаталога, Токен);

КонецФункции

// Lists what a folder contains, optionally filtered.
//
// Parameters:
//  URL -  - url
//  FolderID - folder ID (number or string) - folderid
//  Filter - filter object, keys as from GetFolderFilterStructure (object or JSON) - filter
//  Token -  - token
Function GetFolderItems(Val URL, Val FolderID, Val Filter = "", Val Token = "") Export

    Arguments = New Structure("URL,FolderID,Filter,Token", URL, FolderID, Filter, Token);
    Return Called("GetFolderItems", Arguments);

EndFunction

Функция ПолучитьДочерниеЭлементыКаталога(Знач URL, Знач IDКаталога, Знач Фильтр = "", Знач Токен = "") Экспорт

    Возврат GetFolderItems(URL, IDКаталога, Фильтр, Токен);

КонецФункции

// Moves a folder to the recycle bin.
//
// Parameters:
//  URL -  - url
//  FolderID - folder ID (number or string) - folderid
//  Token -  - token
Function MarkFolderAsDeleted(Val URL, Val FolderID, Val Token = "") Export

    Arguments = New Structure("URL,FolderID,Token", URL, FolderID, Token);
    Return Called("MarkFolderAsDeleted", Arguments);

EndFunction

Функция ПоместитьКаталогВКорзину(Знач URL, Знач IDКаталога, Знач Токен = "") Экспорт

    Возврат MarkFolderAsDeleted(URL, IDКаталога, Токен);

КонецФункции

// Brings a folder back from the recycle bin.
//
// Parameters:
//  URL -  - url
//  FolderID - folder ID (number or string) - folderid
//  Token -  - token
Function RestoreFolder(Val URL, Val FolderID, Val Token = "") Export

    Arguments = New Structure("URL,FolderID,Token", URL, FolderID, Token);
    Return Called("RestoreFolder", Arguments);

EndFunction

Функция ВосстановитьКаталог(Знач URL, Знач IDКаталога, Знач Токен = "") Экспорт

    Возврат RestoreFolder(URL, IDКаталога, Токен);

КонецФункции

// Gives a folder a new name.
//
// Parameters:
//  URL -  - url
//  FolderID - folder ID (number or string) - folderid
//  Name - the new folder name (string) - title
//  Token -  - token
Function RenameFolder(Val URL, Val FolderID, Val Name, Val Token = "") Export

    Arguments = New Structure("URL,FolderID,Name,Token", URL, FolderID, Name, Token);
    Return Called("RenameFolder", Arguments);

EndFunction

Функция ПереименоватьКаталог(Знач URL, Знач IDКаталога, Знач Наименование, Знач Токен = "") Экспорт

    Возврат RenameFolder(URL, IDКаталога, Наименование, Токен);

КонецФункции

// Asks the portal for the folder item fields and returns only the filterable ones, each with its type or an empty value.
//
// Parameters:
//  URL -  - url
//  Clear - true for empty values instead of the field types (boolean) - empty
//  Token -  - token
Function GetFolderFilterStructure(Val URL, Val Clear = False, Val Token = "") Export

    Arguments = New Structure("URL,Clear,Token", URL, Clear, Token);
    Return CalledForValue("GetFolderFilterStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруФильтраКаталога(Знач URL, Знач Пустая = Ложь, Знач Токен = "") Экспорт

    Возврат GetFolderFilterStructure(URL, Пустая, Токен);

КонецФункции

#EndRegion

#Region FileManagement

// Uploads a file to the root of a storage, its content inline as base64 in the JSON body.
//
// Parameters:
//  URL -  - url
//  Name - file name with its extension (string); also the name in fileContent - title
//  File - the file content: a path, base64 text or binary data - file
//  StorageID - storage ID (string or number) - storageid
//  Rights - access rights to set on the file (array of objects, one object, or JSON text) - rights
//  Token -  - token
Function UploadFileToStorage(Val URL, Val Name, Val File, Val StorageID, Val Rights = "", Val Token = "") Export

    Arguments = New Structure("URL,Name,File,StorageID,Rights,Token", URL, Name, File, StorageID, Rights, Token);
    Return Called("UploadFileToStorage", Arguments);

EndFunction

Функция ЗагрузитьФайлВХранилище(Знач URL, Знач Наименование, Знач Файл, Знач IDХранилища, Знач Доступы = "", Знач Токен = "") Экспорт

    Возврат UploadFileToStorage(URL, Наименование, Файл, IDХранилища, Доступы, Токен);

КонецФункции

// Uploads a file to a folder in two steps: asks for an upload address, then posts the file there as multipart.
//
// Parameters:
//  URL -  - url
//  Name - file name with its extension (string), used as the multipart filename - title
//  File - the file content: a path, base64 text or binary data - file
//  FolderID - ID of the target folder (string or number) - folderid
//  Token -  - token
Function UploadFileToFolder(Val URL, Val Name, Val File, Val FolderID, Val Token = "") Export

    Arguments = New Structure("URL,Name,File,FolderID,Token", URL, Name, File, FolderID, Token);
    Return Called("UploadFileToFolder", Arguments);

EndFunction

Функция ЗагрузитьФайлВКаталог(Знач URL, Знач Наименование, Знач Файл, Знач IDКаталога, Знач Токен = "") Экспорт

    Возврат UploadFileToFolder(URL, Наименование, Файл, IDКаталога, Токен);

КонецФункции

// Describes one file by its ID.
//
// Parameters:
//  URL -  - url
//  FileID - file ID (number or string) - fileid
//  Token -  - token
Function GetFileInformation(Val URL, Val FileID, Val Token = "") Export

    Arguments = New Structure("URL,FileID,Token", URL, FileID, Token);
    Return Called("GetFileInformation", Arguments);

EndFunction

Функция ПолучитьИнформациюОФайле(Знач URL, Знач IDФайла, Знач Токен = "") Экспорт

    Возврат GetFileInformation(URL, IDФайла, Токен);

КонецФункции

// Deletes a file for good.
//
// Parameters:
//  URL -  - url
//  FileID - ID of the file to delete (number or string) - fileid
//  Token -  - token
Function DeleteFile(Val URL, Val FileID, Val Token = "") Export

    Arguments = New Structure("URL,FileID,Token", URL, FileID, Token);
    Return Called("DeleteFile", Arguments);

EndFunction

Функция УдалитьФайл(Знач URL, Знач IDФайла, Знач Токен = "") Экспорт

    Возврат DeleteFile(URL, IDФайла, Токен);

КонецФункции

// Returns a public link to a file (the method is missing on some cloud portals).
//
// Parameters:
//  URL -  - url
//  FileID - file ID (number or string) - fileid
//  Token -  - token
Function GetFileExternalLink(Val URL, Val FileID, Val Token = "") Export

    Arguments = New Structure("URL,FileID,Token", URL, FileID, Token);
    Return Called("GetFileExternalLink", Arguments);

EndFunction

Функция ПолучитьВнешнююСсылкуФайла(Знач URL, Знач IDФайла, Знач Токен = "") Экспорт

    Возврат GetFileExternalLink(URL, IDФайла, Токен);

КонецФункции

// Moves a file to the recycle bin.
//
// Parameters:
//  URL -  - url
//  FileID - file ID (number or string) - fileid
//  Token -  - token
Function MarkFileAsDeleted(Val URL, Val FileID, Val Token = "") Export

    Arguments = New Structure("URL,FileID,Token", URL, FileID, Token);
    Return Called("MarkFileAsDeleted", Arguments);

EndFunction

Функция ПоместитьФайлВКорзину(Знач URL, Знач IDФайла, Знач Токен = "") Экспорт

    Возврат MarkFileAsDeleted(URL, IDФайла, Токен);

КонецФункции

// Brings a file back from the recycle bin.
//
// Parameters:
//  URL -  - url
//  FileID - file ID (number or string) - fileid
//  Token -  - token
Function RestoreFile(Val URL, Val FileID, Val Token = "") Export

    Arguments = New Structure("URL,FileID,Token", URL, FileID, Token);
    Return Called("RestoreFile", Arguments);

EndFunction

Функция ВосстановитьФайл(Знач URL, Знач IDФайла, Знач Токен = "") Экспорт

    Возврат RestoreFile(URL, IDФайла, Токен);

КонецФункции

// Copies a file into a folder.
//
// Parameters:
//  URL -  - url
//  FileID - ID of the file to copy (number or string) - fileid
//  FolderID - ID of the folder that receives the copy (number or string) - folderid
//  Token -  - token
Function MakeFileCopy(Val URL, Val FileID, Val FolderID, Val Token = "") Export

    Arguments = New Structure("URL,FileID,FolderID,Token", URL, FileID, FolderID, Token);
    Return Called("MakeFileCopy", Arguments);

EndFunction

Функция СкопироватьФайл(Знач URL, Знач IDФайла, Знач IDКаталога, Знач Токен = "") Экспорт

    Возврат MakeFileCopy(URL, IDФайла, IDКаталога, Токен);

КонецФункции

// Moves a file into another folder.
//
// Parameters:
//  URL -  - url
//  FileID - ID of the file to move (number or string) - fileid
//  FolderID - ID of the destination folder (number or string) - folderid
//  Token -  - token
Function MoveFileToFolder(Val URL, Val FileID, Val FolderID, Val Token = "") Export

    Arguments = New Structure("URL,FileID,FolderID,Token", URL, FileID, FolderID, Token);
    Return Called("MoveFileToFolder", Arguments);

EndFunction

Функция ПереместитьФайлВКаталог(Знач URL, Знач IDФайла, Знач IDКаталога, Знач Токен = "") Экспорт

    Возврат MoveFileToFolder(URL, IDФайла, IDКаталога, Токен);

КонецФункции

// Gives a file a new name.
//
// Parameters:
//  URL -  - url
//  FileID - file ID (number or string) - fileid
//  Name - the new file name (string) - title
//  Token -  - token
Function RenameFile(Val URL, Val FileID, Val Name, Val Token = "") Export

    Arguments = New Structure("URL,FileID,Name,Token", URL, FileID, Name, Token);
    Return Called("RenameFile", Arguments);

EndFunction

Функция ПереименоватьФайл(Знач URL, Знач IDФайла, Знач Наименование, Знач Токен = "") Экспорт

    Возврат RenameFile(URL, IDФайла, Наименование, Токен);

КонецФункции

#EndRegion

#Region ChatsAndDialogsManagement

// Creates a chat; every key of the given structure becomes a top-level field of the request.
//
// Parameters:
//  URL -  - url
//  ChatStructure - chat fields, keys as from GetChatStructure (object or JSON), copied as given - fields
//  Token -  - token
Function CreateChat(Val URL, Val ChatStructure, Val Token = "") Export

    Arguments = New Structure("URL,ChatStructure,Token", URL, ChatStructure, Token);
    Return Called("CreateChat", Arguments);

EndFunction

Функция СоздатьЧат(Знач URL, Знач СтруктураЧата, Знач Токен = "") Экспорт

    Возврат CreateChat(URL, СтруктураЧата, Токен);

КонецФункции

// Lists the IDs of a chat's members.
//
// Parameters:
//  URL -  - url
//  ChatID - chat ID (number or string) - chat
//  Token -  - token
Function GetChatUsers(Val URL, Val ChatID, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,Token", URL, ChatID, Token);
    Return Called("GetChatUsers", Arguments);

EndFunction

Функция ПолучитьСписокПользователейЧата(Знач URL, Знач IDЧата, Знач Токен = "") Экспорт

    Возврат GetChatUsers(URL, IDЧата, Токен);

КонецФункции

// Takes the current user out of a chat.
//
// Parameters:
//  URL -  - url
//  ChatID - chat ID (number or string) - chat
//  Token -  - token
Function LeaveChat(Val URL, Val ChatID, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,Token", URL, ChatID, Token);
    Return Called("LeaveChat", Arguments);

EndFunction

Функция ПокинутьЧат(Знач URL, Знач IDЧата, Знач Токен = "") Экспорт

    Возврат LeaveChat(URL, IDЧата, Токен);

КонецФункции

// Returns messenger information about one or more users.
//
// Parameters:
//  URL -  - url
//  UserIDs - one user ID or an array of them (number, string, array or JSON text) - users
//  Token -  - token
Function GetUsers(Val URL, Val UserIDs, Val Token = "") Export

    Arguments = New Structure("URL,UserIDs,Token", URL, UserIDs, Token);
    Return Called("GetUsers", Arguments);

EndFunction

Функция ПолучитьПользователей(Знач URL, Знач IDПользователей, Знач Токен = "") Экспорт

    Возврат GetUsers(URL, IDПользователей, Токен);

КонецФункции

// Adds members to a chat, optionally hiding the earlier history from them.
//
// Parameters:
//  URL -  - url
//  ChatID - chat ID (number or string) - chat
//  UserIDs - IDs of the users to add (array, JSON text, or one ID) - users
//  HideHistory - true to keep the old messages hidden from the new members (boolean) - hide
//  Token -  - token
Function AddUsersToChat(Val URL, Val ChatID, Val UserIDs, Val HideHistory = False, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,UserIDs,HideHistory,Token", URL, ChatID, UserIDs, HideHistory, Token);
    Return Called("AddUsersToChat", Arguments);

EndFunction

Функция ДобавитьПользователейВЧат(Знач URL, Знач IDЧата, Знач IDПользователей, Знач СкрытьИсторию = Ложь, Знач Токен = "") Экспорт

    Возврат AddUsersToChat(URL, IDЧата, IDПользователей, СкрытьИсторию, Токен);

КонецФункции

// Removes one member from a chat.
//
// Parameters:
//  URL -  - url
//  ChatID - chat ID (number or string) - chat
//  UserID - ID of the user to remove (number or string) - user
//  Token -  - token
Function DeleteUserFromChat(Val URL, Val ChatID, Val UserID, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,UserID,Token", URL, ChatID, UserID, Token);
    Return Called("DeleteUserFromChat", Arguments);

EndFunction

Функция ИсключитьПользователяИзЧата(Знач URL, Знач IDЧата, Знач IDПользователя, Знач Токен = "") Экспорт

    Возврат DeleteUserFromChat(URL, IDЧата, IDПользователя, Токен);

КонецФункции

// Sets a new chat title.
//
// Parameters:
//  URL -  - url
//  ChatID - chat ID (number or string) - chat
//  Title - the new title text (string) - title
//  Token -  - token
Function ChangeChatTitle(Val URL, Val ChatID, Val Title, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,Title,Token", URL, ChatID, Title, Token);
    Return Called("ChangeChatTitle", Arguments);

EndFunction

Функция ИзменитьЗаголовокЧата(Знач URL, Знач IDЧата, Знач Заголовок, Знач Токен = "") Экспорт

    Возврат ChangeChatTitle(URL, IDЧата, Заголовок, Токен);

КонецФункции

// Sets the chat colour shown in the mobile app.
//
// Parameters:
//  URL -  - url
//  ChatID - chat ID (number or string) - chat
//  Color - colour name such as RED, MINT or GRAPHITE (string) - color
//  Token -  - token
Function ChangeChatColor(Val URL, Val ChatID, Val Color, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,Color,Token", URL, ChatID, Color, Token);
    Return Called("ChangeChatColor", Arguments);

EndFunction

Функция ИзменитьЦветЧата(Знач URL, Знач IDЧата, Знач Цвет, Знач Токен = "") Экспорт

    Возврат ChangeChatColor(URL, IDЧата, Цвет, Токен);

КонецФункции

// Sets a new chat picture, sent as base64.
//
// Parameters:
//  URL -  - url
//  ChatID - chat ID (number or string) - chat
//  Image - the picture: a path, base64 text or binary data - picture
//  Token -  - token
Function ChangeChatPicture(Val URL, Val ChatID, Val Image, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,Image,Token", URL, ChatID, Image, Token);
    Return Called("ChangeChatPicture", Arguments);

EndFunction

Функция ИзменитьКартинкуЧата(Знач URL, Знач IDЧата, Знач Картинка, Знач Токен = "") Экспорт

    Возврат ChangeChatPicture(URL, IDЧата, Картинка, Токен);

КонецФункции

// Hands chat ownership to another user.
//
// Parameters:
//  URL -  - url
//  ChatID - chat ID (number or string) - chat
//  UserID - ID of the new owner (number or string) - user
//  Token -  - token
Function ChangeChatOwner(Val URL, Val ChatID, Val UserID, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,UserID,Token", URL, ChatID, UserID, Token);
    Return Called("ChangeChatOwner", Arguments);

EndFunction

Функция СменитьВладельцаЧата(Знач URL, Знач IDЧата, Знач IDПользователя, Знач Токен = "") Экспорт

    Возврат ChangeChatOwner(URL, IDЧата, IDПользователя, Токен);

КонецФункции

// Mutes a chat's notifications.
//
// Parameters:
//  URL -  - url
//  ChatID - chat ID (number or string) - chat
//  Token -  - token
Function DisableChatNotifications(Val URL, Val ChatID, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,Token", URL, ChatID, Token);
    Return Called("DisableChatNotifications", Arguments);

EndFunction

Функция ОтключитьУведомленияЧата(Знач URL, Знач IDЧата, Знач Токен = "") Экспорт

    Возврат DisableChatNotifications(URL, IDЧата, Токен);

КонецФункции

// Turns a chat's notifications back on.
//
// Parameters:
//  URL -  - url
//  ChatID - chat ID (number or string) - chat
//  Token -  - token
Function EnableChatNotifications(Val URL, Val ChatID, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,Token", URL, ChatID, Token);
    Return Called("EnableChatNotifications", Arguments);

EndFunction

Функция ВключитьУведомленияЧата(Знач URL, Знач IDЧата, Знач Токен = "") Экспорт

    Возврат EnableChatNotifications(URL, IDЧата, Токен);

КонецФункции

// Returns up to 20 messages of a chat or dialog, before or after a given message.
//
// Parameters:
//  URL -  - url
//  ChatID - dialog ID: chatXXX for a chat, a user ID for a private dialog - chat
//  LastID - load the messages older than this message ID (number or string; 0 is sent as "0") - last
//  FirstID - load the messages newer than this message ID (number or string; 0 is sent as "0") - first
//  Token -  - token
Function GetChatMessagesList(Val URL, Val ChatID, Val LastID = "", Val FirstID = "", Val Token = "") Export

    Arguments = New Structure("URL,ChatID,LastID,FirstID,Token", URL, ChatID, LastID, FirstID, Token);
    Return Called("GetChatMessagesList", Arguments);

EndFunction

Функция ПолучитьСписокСообщенийЧата(Знач URL, Знач IDЧата, Знач IDПоследнего = "", Знач IDПервого = "", Знач Токен = "") Экспорт

    Возврат GetChatMessagesList(URL, IDЧата, IDПоследнего, IDПервого, Токен);

КонецФункции

// Describes a chat or private dialog.
//
// Parameters:
//  URL -  - url
//  ChatID - dialog ID: chatXXX for a chat, a user ID for a private dialog - chat
//  Token -  - token
Function GetDialog(Val URL, Val ChatID, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,Token", URL, ChatID, Token);
    Return Called("GetDialog", Arguments);

EndFunction

Функция ПолучитьДиалог(Знач URL, Знач IDЧата, Знач Токен = "") Экспорт

    Возврат GetDialog(URL, IDЧата, Токен);

КонецФункции

// Lists the participants of a chat or dialog.
//
// Parameters:
//  URL -  - url
//  ChatID - dialog ID: chatXXX for a chat, a user ID for a private dialog - chat
//  Token -  - token
Function GetChatMembersList(Val URL, Val ChatID, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,Token", URL, ChatID, Token);
    Return Called("GetChatMembersList", Arguments);

EndFunction

Функция ПолучитьСписокПользователейДиалога(Знач URL, Знач IDЧата, Знач Токен = "") Экспорт

    Возврат GetChatMembersList(URL, IDЧата, Токен);

КонецФункции

// Shows the "is typing" indicator in a dialog.
//
// Parameters:
//  URL -  - url
//  ChatID - dialog ID: chatXXX for a chat, a user ID for a private dialog - chat
//  Token -  - token
Function SendWritingNotification(Val URL, Val ChatID, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,Token", URL, ChatID, Token);
    Return Called("SendWritingNotification", Arguments);

EndFunction

Функция ОтправитьУведомлениеОВводе(Знач URL, Знач IDЧата, Знач Токен = "") Экспорт

    Возврат SendWritingNotification(URL, IDЧата, Токен);

КонецФункции

// Marks every message in every available chat as read.
//
// Parameters:
//  URL -  - url
//  Token -  - token
Function ReadAll(Val URL, Val Token = "") Export

    Arguments = New Structure("URL,Token", URL, Token);
    Return Called("ReadAll", Arguments);

EndFunction

Функция ПрочитатьВсе(Знач URL, Знач Токен = "") Экспорт

    Возврат ReadAll(URL, Токен);

КонецФункции

// Returns the disk folder that holds a chat's files.
//
// Parameters:
//  URL -  - url
//  ChatID - chat ID (number or string) - chat
//  Token -  - token
Function GetChatFilesFolder(Val URL, Val ChatID, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,Token", URL, ChatID, Token);
    Return Called("GetChatFilesFolder", Arguments);

EndFunction

Функция ПолучитьКаталогФайловЧата(Знач URL, Знач IDЧата, Знач Токен = "") Экспорт

    Возврат GetChatFilesFolder(URL, IDЧата, Токен);

КонецФункции

// Offline: the chat field structure for CreateChat, with hints or empty values.
//
// Parameters:
//  Clear - true for empty values instead of the hints (boolean) - empty
Function GetChatStructure(Val Clear = False) Export

    Arguments = New Structure("Clear", Clear);
    Return CalledForValue("GetChatStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруЧата(Знач Пустая = Ложь) Экспорт

    Возврат GetChatStructure(Пустая);

КонецФункции

#EndRegion

#Region MessageManagement

// Posts a message, optionally with attachment blocks, to a chat or a user dialog.
//
// Parameters:
//  URL -  - url
//  ChatID - dialog to write to, chatNNN for a chat or a bare user ID (string or number) - chat
//  Text - message text (string) - text
//  Attachments - attachment blocks (array of block objects, one block, or JSON text) - blocks
//  Token -  - token
Function SendMessage(Val URL, Val ChatID, Val Text, Val Attachments = "", Val Token = "") Export

    Arguments = New Structure("URL,ChatID,Text,Attachments,Token", URL, ChatID, Text, Attachments, Token);
    Return Called("SendMessage", Arguments);

EndFunction

Функция ОтправитьСообщение(Знач URL, Знач IDЧата, Знач Текст, Знач Вложения = "", Знач Токен = "") Экспорт

    Возврат SendMessage(URL, IDЧата, Текст, Вложения, Токен);

КонецФункции

// Replaces the text and/or attachment blocks of an existing message.
//
// Parameters:
//  URL -  - url
//  MessageID - message to change (number or string) - message
//  Text - new message text (string) - text
//  Attachments - new attachment blocks (array of block objects, one block, or JSON text) - blocks
//  Token -  - token
Function EditMessage(Val URL, Val MessageID, Val Text = "", Val Attachments = "", Val Token = "") Export

    Arguments = New Structure("URL,MessageID,Text,Attachments,Token", URL, MessageID, Text, Attachments, Token);
    Return Called("EditMessage", Arguments);

EndFunction

Функция ИзменитьСообщение(Знач URL, Знач IDСообщения, Знач Текст = "", Знач Вложения = "", Знач Токен = "") Экспорт

    Возврат EditMessage(URL, IDСообщения, Текст, Вложения, Токен);

КонецФункции

// Toggles the current user's like on a message.
//
// Parameters:
//  URL -  - url
//  MessageID - message to react to (number or string) - message
//  Token -  - token
Function SetMessageReaction(Val URL, Val MessageID, Val Token = "") Export

    Arguments = New Structure("URL,MessageID,Token", URL, MessageID, Token);
    Return Called("SetMessageReaction", Arguments);

EndFunction

Функция УстановитьРеакциюНаСообщение(Знач URL, Знач IDСообщения, Знач Токен = "") Экспорт

    Возврат SetMessageReaction(URL, IDСообщения, Токен);

КонецФункции

// Removes a message from its dialog.
//
// Parameters:
//  URL -  - url
//  MessageID - message to remove (number or string) - message
//  Token -  - token
Function DeleteMessage(Val URL, Val MessageID, Val Token = "") Export

    Arguments = New Structure("URL,MessageID,Token", URL, MessageID, Token);
    Return Called("DeleteMessage", Arguments);

EndFunction

Функция УдалитьСообщение(Знач URL, Знач IDСообщения, Знач Токен = "") Экспорт

    Возврат DeleteMessage(URL, IDСообщения, Токен);

КонецФункции

// Publishes a file already on the chat's disk folder into the chat.
//
// Parameters:
//  URL -  - url
//  ChatID - chat ID (number or string) - chat
//  FileID - disk file ID, e.g. from UploadFileToFolder (number or string) - fileid
//  Description - text shown with the file (string) - description
//  Token -  - token
Function SendFile(Val URL, Val ChatID, Val FileID, Val Description = "", Val Token = "") Export

    Arguments = New Structure("URL,ChatID,FileID,Description,Token", URL, ChatID, FileID, Description, Token);
    Return Called("SendFile", Arguments);

EndFunction

Функция ОтправитьФайл(Знач URL, Знач IDЧата, Знач IDФайла, Знач Описание = "", Знач Токен = "") Экспорт

    Возврат SendFile(URL, IDЧата, IDФайла, Описание, Токен);

КонецФункции

// Marks a message and everything before it as read.
//
// Parameters:
//  URL -  - url
//  ChatID - dialog, chatNNN or a bare user ID (string or number) - chat
//  MessageID - last message to count as read (number or string) - message
//  Token -  - token
Function MarkMessageAsReaded(Val URL, Val ChatID, Val MessageID, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,MessageID,Token", URL, ChatID, MessageID, Token);
    Return Called("MarkMessageAsReaded", Arguments);

EndFunction

Функция ОтметитьСообщениеКакПрочитанное(Знач URL, Знач IDЧата, Знач IDСообщения, Знач Токен = "") Экспорт

    Возврат MarkMessageAsReaded(URL, IDЧата, IDСообщения, Токен);

КонецФункции

// Marks a message and everything after it as unread.
//
// Parameters:
//  URL -  - url
//  ChatID - dialog, chatNNN or a bare user ID (string or number) - chat
//  MessageID - first message to count as unread (number or string) - message
//  Token -  - token
Function MarkMessageAsUnreaded(Val URL, Val ChatID, Val MessageID, Val Token = "") Export

    Arguments = New Structure("URL,ChatID,MessageID,Token", URL, ChatID, MessageID, Token);
    Return Called("MarkMessageAsUnreaded", Arguments);

EndFunction

Функция ОтметитьСообщениеКакНепрочитанное(Знач URL, Знач IDЧата, Знач IDСообщения, Знач Токен = "") Экспорт

    Возврат MarkMessageAsUnreaded(URL, IDЧата, IDСообщения, Токен);

КонецФункции

// Builds an image attachment block for SendMessage and the notifications, offline.
//
// Parameters:
//  Name - picture caption (string) - title
//  URL - web address of the picture (string) - url
Function GetPictureBlock(Val Name, Val URL) Export

    Arguments = New Structure("Name,URL", Name, URL);
    Return CalledForValue("GetPictureBlock", Arguments);

EndFunction

Функция ПолучитьБлокКартинки(Знач Наименование, Знач URL) Экспорт

    Возврат GetPictureBlock(Наименование, URL);

КонецФункции

// Builds a file attachment block for SendMessage and the notifications, offline.
//
// Parameters:
//  Name - file caption (string) - title
//  URL - web address of the file (string) - url
Function GetFileBlock(Val Name, Val URL) Export

    Arguments = New Structure("Name,URL", Name, URL);
    Return CalledForValue("GetFileBlock", Arguments);

EndFunction

Функция ПолучитьБлокФайла(Знач Наименование, Знач URL) Экспорт

    Возврат GetFileBlock(Наименование, URL);

КонецФункции

#EndRegion

#Region NotificationsManagement

// Sends a notification to a user on behalf of the current user.
//
// Parameters:
//  URL -  - url
//  UserID - recipient user ID (number or string) - user
//  Text - notification text (string) - text
//  Tag - uniqueness tag; an older notification with the same tag is replaced (string) - tag
//  Attachments - attachment blocks (array of block objects, one block, or JSON text) - blocks
//  Token -  - token
Function CreatePersonalNotification(Val URL, Val UserID, Val Text, Val Tag = "", Val Attachments = "", Val Token = "") Export

    Arguments = New Structure("URL,UserID,Text,Tag,Attachments,Token", URL, UserID, Text, Tag, Attachments, Token);
    Return Called("CreatePersonalNotification", Arguments);

EndFunction

Функция СоздатьПерсональноеУведомление(Знач URL, Знач IDПользователя, Знач Текст, Знач Тег = "", Знач Вложения = "", Знач Токен = "") Экспорт

    Возврат CreatePersonalNotification(URL, IDПользователя, Текст, Тег, Вложения, Токен);

КонецФункции

// Sends a system notification (no sender) to a user.
//
// Parameters:
//  URL -  - url
//  UserID - recipient user ID (number or string) - user
//  Text - notification text (string) - text
//  Tag - uniqueness tag; an older notification with the same tag is replaced (string) - tag
//  Attachments - attachment blocks (array of block objects, one block, or JSON text) - blocks
//  Token -  - token
Function CreateSystemNotification(Val URL, Val UserID, Val Text, Val Tag = "", Val Attachments = "", Val Token = "") Export

    Arguments = New Structure("URL,UserID,Text,Tag,Attachments,Token", URL, UserID, Text, Tag, Attachments, Token);
    Return Called("CreateSystemNotification", Arguments);

EndFunction

Функция СоздатьСистемноеУведомление(Знач URL, Знач IDПользователя, Знач Текст, Знач Тег = "", Знач Вложения = "", Знач Токен = "") Экспорт

    Возврат CreateSystemNotification(URL, IDПользователя, Текст, Тег, Вложения, Токен);

КонецФункции

// Removes a notification.
//
// Parameters:
//  URL -  - url
//  NotificationID - notification to remove (number or string) - notif
//  Token -  - token
Function DeleteNotification(Val URL, Val NotificationID, Val Token = "") Export

    Arguments = New Structure("URL,NotificationID,Token", URL, NotificationID, Token);
    Return Called("DeleteNotification", Arguments);

EndFunction

Функция УдалитьУведомление(Знач URL, Знач IDУведомления, Знач Токен = "") Экспорт

    Возврат DeleteNotification(URL, IDУведомления, Токен);

КонецФункции

#EndRegion

#Region DepartmentsManagement

// Adds a department to the company structure.
//
// Parameters:
//  URL -  - url
//  Name - department name (string) - title
//  ParentID - parent department ID (number or string) - parentid
//  HeadID - user ID of the department head (number or string) - headid
//  Token -  - token
Function CreateDepartment(Val URL, Val Name, Val ParentID = "", Val HeadID = "", Val Token = "") Export

    Arguments = New Structure("URL,Name,ParentID,HeadID,Token", URL, Name, ParentID, HeadID, Token);
    Return Called("CreateDepartment", Arguments);

EndFunction

Функция СоздатьПодразделение(Знач URL, Знач Наименование, Знач IDРодителя = "", Знач IDРуководителя = "", Знач Токен = "") Экспорт

    Возврат CreateDepartment(URL, Наименование, IDРодителя, IDРуководителя, Токен);

КонецФункции

// Changes the name, parent or head of a department.
//
// Parameters:
//  URL -  - url
//  DepartmentID - department to change (number or string) - depid
//  Name - new name (string) - title
//  ParentID - new parent department ID (number or string) - parentid
//  HeadID - user ID of the new head (number or string) - headid
//  Token -  - token
Function UpdateDepartment(Val URL, Val DepartmentID, Val Name = "", Val ParentID = "", Val HeadID = "", Val Token = "") Export

    Arguments = New Structure("URL,DepartmentID,Name,ParentID,HeadID,Token", URL, DepartmentID, Name, ParentID, HeadID, Token);
    Return Called("UpdateDepartment", Arguments);

EndFunction

Функция ИзменитьПодразделение(Знач URL, Знач IDПодразделения, Знач Наименование = "", Знач IDРодителя = "", Знач IDРуководителя = "", Знач Токен = "") Экспорт

    Возврат UpdateDepartment(URL, IDПодразделения, Наименование, IDРодителя, IDРуководителя, Токен);

КонецФункции

// Lists departments, all or those matching the given values.
//
// Parameters:
//  URL -  - url
//  DepartmentID - only this department (number or string) - depid
//  Name - only departments with this name (string) - title
//  ParentID - only children of this department (number or string) - parentid
//  HeadID - only departments headed by this user (number or string) - headid
//  Token -  - token
Function GetDepartments(Val URL, Val DepartmentID = "", Val Name = "", Val ParentID = "", Val HeadID = "", Val Token = "") Export

    Arguments = New Structure("URL,DepartmentID,Name,ParentID,HeadID,Token", URL, DepartmentID, Name, ParentID, HeadID, Token);
    Return Called("GetDepartments", Arguments);

EndFunction

Функция ПолучитьПодразделения(Знач URL, Знач IDПодразделения = "", Знач Наименование = "", Знач IDРодителя = "", Знач IDРуководителя = "", Знач Токен = "") Экспорт

    Возврат GetDepartments(URL, IDПодразделения, Наименование, IDРодителя, IDРуководителя, Токен);

КонецФункции

// Removes a department.
//
// Parameters:
//  URL -  - url
//  DepartmentID - department to remove (number or string) - depid
//  Token -  - token
Function DeleteDepartment(Val URL, Val DepartmentID, Val Token = "") Export

    Arguments = New Structure("URL,DepartmentID,Token", URL, DepartmentID, Token);
    Return Called("DeleteDepartment", Arguments);

EndFunction

Функция УдалитьПодразделение(Знач URL, Знач IDПодразделения, Знач Токен = "") Экспорт

    Возврат DeleteDepartment(URL, IDПодразделения, Токен);

КонецФункции

#EndRegion

#Region UsersManagement

// Returns the profile of the user the webhook or token belongs to.
//
// Parameters:
//  URL -  - url
//  Token -  - token
Function GetCurrentUser(Val URL, Val Token = "") Export

    Arguments = New Structure("URL,Token", URL, Token);
    Return Called("GetCurrentUser", Arguments);

EndFunction

Функция ПолучитьТекущегоПользователя(Знач URL, Знач Токен = "") Экспорт

    Возврат GetCurrentUser(URL, Токен);

КонецФункции

// Returns a user's profile by ID.
//
// Parameters:
//  URL -  - url
//  UserID - user to read (number or string) - userid
//  Token -  - token
Function GetUser(Val URL, Val UserID, Val Token = "") Export

    Arguments = New Structure("URL,UserID,Token", URL, UserID, Token);
    Return Called("GetUser", Arguments);

EndFunction

Функция ПолучитьПользователя(Знач URL, Знач IDПользователя, Знач Токен = "") Экспорт

    Возврат GetUser(URL, IDПользователя, Токен);

КонецФункции

// Invites a new user; every key of the fields object goes to the top level of the request as given.
//
// Parameters:
//  URL -  - url
//  FieldsStructure - new user's fields, keys as in user.fields (object or JSON text); values are sent unchanged, empty ones included - fields
//  Token -  - token
Function CreateUser(Val URL, Val FieldsStructure, Val Token = "") Export

    Arguments = New Structure("URL,FieldsStructure,Token", URL, FieldsStructure, Token);
    Return Called("CreateUser", Arguments);

EndFunction

Функция СоздатьПользователя(Знач URL, Знач СтруктураПолей, Знач Токен = "") Экспорт

    Возврат CreateUser(URL, СтруктураПолей, Токен);

КонецФункции

// Changes a user; the fields object is spread into the top level, then ID is added.
//
// Parameters:
//  URL -  - url
//  UserID - user to change (number or string); put after the fields, so it wins over an ID key in them - userid
//  FieldsStructure - fields to change, keys as in user.fields (object or JSON text); values are sent unchanged, empty ones included - fields
//  Token -  - token
Function UpdateUser(Val URL, Val UserID, Val FieldsStructure, Val Token = "") Export

    Arguments = New Structure("URL,UserID,FieldsStructure,Token", URL, UserID, FieldsStructure, Token);
    Return Called("UpdateUser", Arguments);

EndFunction

Функция ИзменитьПользователя(Знач URL, Знач IDПользователя, Знач СтруктураПолей, Знач Токен = "") Экспорт

    Возврат UpdateUser(URL, IDПользователя, СтруктураПолей, Токен);

КонецФункции

// Deactivates (fires) or reactivates a user through UpdateUser with ACTIVE set to N or Y.
//
// Parameters:
//  URL -  - url
//  UserID - user whose status changes (number or string) - userid
//  Fire - true deactivates the user (ACTIVE N), false activates it (ACTIVE Y) (boolean) - fire
//  Token -  - token
Function ChangeUserStatus(Val URL, Val UserID, Val Fire = True, Val Token = "") Export

    Arguments = New Structure("URL,UserID,Fire,Token", URL, UserID, Fire, Token);
    Return Called("ChangeUserStatus", Arguments);

EndFunction

Функция ИзменитьСтатусПользователя(Знач URL, Знач IDПользователя, Знач Уволить = Истина, Знач Токен = "") Экспорт

    Возврат ChangeUserStatus(URL, IDПользователя, Уволить, Токен);

КонецФункции

// Lists users matching a filter.
//
// Parameters:
//  URL -  - url
//  FilterStructure - filter object, see GetUserFilterStructure (object or JSON text) - filter
//  Token -  - token
Function FindUsers(Val URL, Val FilterStructure, Val Token = "") Export

    Arguments = New Structure("URL,FilterStructure,Token", URL, FilterStructure, Token);
    Return Called("FindUsers", Arguments);

EndFunction

Функция НайтиПользователей(Знач URL, Знач СтруктураФильтра, Знач Токен = "") Экспорт

    Возврат FindUsers(URL, СтруктураФильтра, Токен);

КонецФункции

// Asks the portal for the description of the user fields.
//
// Parameters:
//  URL -  - url
//  Token -  - token
Function GetUserFieldsStructure(Val URL, Val Token = "") Export

    Arguments = New Structure("URL,Token", URL, Token);
    Return Called("GetUserFieldsStructure", Arguments);

EndFunction

Функция ПолучитьСтурктуруПользователя(Знач URL, Знач Токен = "") Экспорт

    Возврат GetUserFieldsStructure(URL, Токен);

КонецФункции

// Offline template of the FindUsers filter, with hints or with empty values.
//
// Parameters:
//  Clear - true gives empty values instead of hints (boolean) - empty
Function GetUserFilterStructure(Val Clear = False) Export

    Arguments = New Structure("Clear", Clear);
    Return CalledForValue("GetUserFilterStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруФильтраПользователей(Знач Пустая = Ложь) Экспорт

    Возврат GetUserFilterStructure(Пустая);

КонецФункции

#EndRegion

#Region LeadsManagement

// Creates a lead from a fields object.
//
// Parameters:
//  URL -  - url
//  FieldsStructure - lead fields, keys as in crm.lead.fields (object or JSON text) - fields
//  Token -  - token
Function CreateLead(Val URL, Val FieldsStructure, Val Token = "") Export

    Arguments = New Structure("URL,FieldsStructure,Token", URL, FieldsStructure, Token);
    Return Called("CreateLead", Arguments);

EndFunction

Функция СоздатьЛид(Знач URL, Знач СтруктураПолей, Знач Токен = "") Экспорт

    Возврат CreateLead(URL, СтруктураПолей, Токен);

КонецФункции

// Removes a lead.
//
// Parameters:
//  URL -  - url
//  LeadID - lead to remove (number or string) - lead
//  Token -  - token
Function DeleteLead(Val URL, Val LeadID, Val Token = "") Export

    Arguments = New Structure("URL,LeadID,Token", URL, LeadID, Token);
    Return Called("DeleteLead", Arguments);

EndFunction

Функция УдалитьЛид(Знач URL, Знач IDЛида, Знач Токен = "") Экспорт

    Возврат DeleteLead(URL, IDЛида, Токен);

КонецФункции

// Returns one lead by ID.
//
// Parameters:
//  URL -  - url
//  LeadID - lead to read (number or string) - lead
//  Token -  - token
Function GetLead(Val URL, Val LeadID, Val Token = "") Export

    Arguments = New Structure("URL,LeadID,Token", URL, LeadID, Token);
    Return Called("GetLead", Arguments);

EndFunction

Функция ПолучитьЛид(Знач URL, Знач IDЛида, Знач Токен = "") Экспорт

    Возврат GetLead(URL, IDЛида, Токен);

КонецФункции

// Returns one page (up to 50) of leads, optionally filtered; the caller pages with the offset.
//
// Parameters:
//  URL -  - url
//  Filter - filter object, see GetLeadFilterStructure (object or JSON text) - filter
//  Indent - position in the list to start from; 0 is not sent (number or string) - offset
//  Token -  - token
Function GetLeadsList(Val URL, Val Filter = "", Val Indent = 0, Val Token = "") Export

    Arguments = New Structure("URL,Filter,Indent,Token", URL, Filter, Indent, Token);
    Return Called("GetLeadsList", Arguments);

EndFunction

Функция ПолучитьСписокЛидов(Знач URL, Знач Фильтр = "", Знач Отступ = 0, Знач Токен = "") Экспорт

    Возврат GetLeadsList(URL, Фильтр, Отступ, Токен);

КонецФункции

// Changes fields of an existing lead.
//
// Parameters:
//  URL -  - url
//  LeadID - lead to change (number or string) - lead
//  FieldsStructure - fields to change (object or JSON text) - fields
//  Token -  - token
Function UpdateLead(Val URL, Val LeadID, Val FieldsStructure, Val Token = "") Export

    Arguments = New Structure("URL,LeadID,FieldsStructure,Token", URL, LeadID, FieldsStructure, Token);
    Return Called("UpdateLead", Arguments);

EndFunction

Функция ИзменитьЛид(Знач URL, Знач IDЛида, Знач СтруктураПолей, Знач Токен = "") Экспорт

    Возврат UpdateLead(URL, IDЛида, СтруктураПолей, Токен);

КонецФункции

// Asks the portal for the description of the lead fields (a GET in OpenIntegrations).
//
// Parameters:
//  URL -  - url
//  Token -  - token
Function GetLeadStructure(Val URL, Val Token = "") Export

    Arguments = New Structure("URL,Token", URL, Token);
    Return Called("GetLeadStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруЛида(Знач URL, Знач Токен = "") Экспорт

    Возврат GetLeadStructure(URL, Токен);

КонецФункции

// Offline template of the GetLeadsList filter, with hints or with empty values.
//
// Parameters:
//  Clear - true gives empty values instead of hints (boolean) - empty
Function GetLeadFilterStructure(Val Clear = False) Export

    Arguments = New Structure("Clear", Clear);
    Return CalledForValue("GetLeadFilterStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруФильтраЛидов(Знач Пустая = Ложь) Экспорт

    Возврат GetLeadFilterStructure(Пустая);

КонецФункции

#EndRegion

#Region DealsManagement

// Creates a deal from a fields object.
//
// Parameters:
//  URL -  - url
//  FieldsStructure - deal fields, keys as in crm.deal.fields (object or JSON text) - fields
//  Token -  - token
Function CreateDeal(Val URL, Val FieldsStructure, Val Token = "") Export

    Arguments = New Structure("URL,FieldsStructure,Token", URL, FieldsStructure, Token);
    Return Called("CreateDeal", Arguments);

EndFunction

Функция СоздатьСделку(Знач URL, Знач СтруктураПолей, Знач Токен = "") Экспорт

    Возврат CreateDeal(URL, СтруктураПолей, Токен);

КонецФункции

// Removes a deal.
//
// Parameters:
//  URL -  - url
//  DealID - deal to remove (number or string) - deal
//  Token -  - token
Function DeleteDeal(Val URL, Val DealID, Val Token = "") Export

    Arguments = New Structure("URL,DealID,Token", URL, DealID, Token);
    Return Called("DeleteDeal", Arguments);

EndFunction

Функция УдалитьСделку(Знач URL, Знач IDСделки, Знач Токен = "") Экспорт

    Возврат DeleteDeal(URL, IDСделки, Токен);

КонецФункции

// Returns one deal by ID.
//
// Parameters:
//  URL -  - url
//  DealID - deal to read (number or string) - deal
//  Token -  - token
Function GetDeal(Val URL, Val DealID, Val Token = "") Export

    Arguments = New Structure("URL,DealID,Token", URL, DealID, Token);
    Return Called("GetDeal", Arguments);

EndFunction

Функция ПолучитьСделку(Знач URL, Знач IDСделки, Знач Токен = "") Экспорт

    Возврат GetDeal(URL, IDСделки, Токен);

КонецФункции

// Returns one page (up to 50) of deals, optionally filtered; the caller pages with the offset.
//
// Parameters:
//  URL -  - url
//  Filter - filter object, see GetDealsFilterStructure (object or JSON text) - filter
//  Indent - position in the list to start from; 0 is not sent (number or string) - offset
//  Token -  - token
Function GetDealsList(Val URL, Val Filter = "", Val Indent = 0, Val Token = "") Export

    Arguments = New Structure("URL,Filter,Indent,Token", URL, Filter, Indent, Token);
    Return Called("GetDealsList", Arguments);

EndFunction

Функция ПолучитьСписокСделок(Знач URL, Знач Фильтр = "", Знач Отступ = 0, Знач Токен = "") Экспорт

    Возврат GetDealsList(URL, Фильтр, Отступ, Токен);

КонецФункции

// Changes fields of an existing deal.
//
// Parameters:
//  URL -  - url
//  DealID - deal to change (number or string) - deal
//  FieldsStructure - fields to change (object or JSON text) - fields
//  Token -  - token
Function UpdateDeal(Val URL, Val DealID, Val FieldsStructure, Val Token = "") Export

    Arguments = New Structure("URL,DealID,FieldsStructure,Token", URL, DealID, FieldsStructure, Token);
    Return Called("UpdateDeal", Arguments);

EndFunction

Функция ИзменитьСделку(Знач URL, Знач IDСделки, Знач СтруктураПолей, Знач Токен = "") Экспорт

    Возврат UpdateDeal(URL, IDСделки, СтруктураПолей, Токен);

КонецФункции

// Asks the portal for the description of the deal fields (a GET in OpenIntegrations).
//
// Parameters:
//  URL -  - url
//  Token -  - token
Function GetDealStructure(Val URL, Val Token = "") Export

    Arguments = New Structure("URL,Token", URL, Token);
    Return Called("GetDealStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруСделки(Знач URL, Знач Токен = "") Экспорт

    Возврат GetDealStructure(URL, Токен);

КонецФункции

// Offline template of the GetDealsList filter, with hints or with empty values.
//
// Parameters:
//  Clear - true gives empty values instead of hints (boolean) - empty
Function GetDealsFilterStructure(Val Clear = False) Export

    Arguments = New Structure("Clear", Clear);
    Return CalledForValue("GetDealsFilterStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруФильтраСделок(Знач Пустая = Ложь) Экспорт

    Возврат GetDealsFilterStructure(Пустая);

КонецФункции

#EndRegion

#Region CalendarsManagement

// Lists the calendars that belong to one owner.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  OwnerID - the owner's ID (number or string) - owner
//  Type - calendar type such as user, group or company_calendar (string) - type
//  Token - OAuth access token (string); empty for a webhook - token
Function GetCalendarList(Val URL, Val OwnerID, Val Type, Val Token = "") Export

    Arguments = New Structure("URL,OwnerID,Type,Token", URL, OwnerID, Type, Token);
    Return Called("GetCalendarList", Arguments);

EndFunction

Функция ПолучитьСписокКалендарей(Знач URL, Знач IDВладельца, Знач Тип, Знач Токен = "") Экспорт

    Возврат GetCalendarList(URL, IDВладельца, Тип, Токен);

КонецФункции

// Makes a new calendar from a set of its fields.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  FieldsStructure - the calendar's fields (object or JSON text), each put at the top level as given - fields
//  Token - OAuth access token (string); empty for a webhook - token
Function CreateCalendar(Val URL, Val FieldsStructure, Val Token = "") Export

    Arguments = New Structure("URL,FieldsStructure,Token", URL, FieldsStructure, Token);
    Return Called("CreateCalendar", Arguments);

EndFunction

Функция СоздатьКалендарь(Знач URL, Знач СтруктураПолей, Знач Токен = "") Экспорт

    Возврат CreateCalendar(URL, СтруктураПолей, Токен);

КонецФункции

// Changes the settings of an existing calendar.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  CalendarID - the calendar's ID (number or string) - calendar
//  FieldsStructure - the fields to change (object or JSON text), each put at the top level as given - fields
//  Token - OAuth access token (string); empty for a webhook - token
Function UpdateCalendar(Val URL, Val CalendarID, Val FieldsStructure, Val Token = "") Export

    Arguments = New Structure("URL,CalendarID,FieldsStructure,Token", URL, CalendarID, FieldsStructure, Token);
    Return Called("UpdateCalendar", Arguments);

EndFunction

Функция ИзменитьКалендарь(Знач URL, Знач IDКалендаря, Знач СтруктураПолей, Знач Токен = "") Экспорт

    Возврат UpdateCalendar(URL, IDКалендаря, СтруктураПолей, Токен);

КонецФункции

// Removes a calendar.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  CalendarID - the calendar's ID (number or string) - calendar
//  OwnerID - the owner's ID (number or string) - owner
//  Type - calendar type, user or group (string) - type
//  Token - OAuth access token (string); empty for a webhook - token
Function DeleteCalendar(Val URL, Val CalendarID, Val OwnerID, Val Type, Val Token = "") Export

    Arguments = New Structure("URL,CalendarID,OwnerID,Type,Token", URL, CalendarID, OwnerID, Type, Token);
    Return Called("DeleteCalendar", Arguments);

EndFunction

Функция УдалитьКалендарь(Знач URL, Знач IDКалендаря, Знач IDВладельца, Знач Тип, Знач Токен = "") Экспорт

    Возврат DeleteCalendar(URL, IDКалендаря, IDВладельца, Тип, Токен);

КонецФункции

// Lists the events that keep the given users busy within a period.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  Users - one user ID or an array of them - users
//  StartDate - first day of the period (date) - from
//  EndDate - last day of the period (date) - to
//  Token - OAuth access token (string); empty for a webhook - token
Function GetUserBusy(Val URL, Val Users, Val StartDate, Val EndDate, Val Token = "") Export

    Arguments = New Structure("URL,Users,StartDate,EndDate,Token", URL, Users, StartDate, EndDate, Token);
    Return Called("GetUserBusy", Arguments);

EndFunction

Функция ПолучитьЗанятостьПользователей(Знач URL, Знач Пользователи, Знач ДатаНачала, Знач ДатаОкончания, Знач Токен = "") Экспорт

    Возврат GetUserBusy(URL, Пользователи, ДатаНачала, ДатаОкончания, Токен);

КонецФункции

// Reads the current user's own calendar settings.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  Token - OAuth access token (string); empty for a webhook - token
Function GetCustomCalendarSettings(Val URL, Val Token = "") Export

    Arguments = New Structure("URL,Token", URL, Token);
    Return Called("GetCustomCalendarSettings", Arguments);

EndFunction

Функция ПолучитьПользовательскиеНастройкиКалендаря(Знач URL, Знач Токен = "") Экспорт

    Возврат GetCustomCalendarSettings(URL, Токен);

КонецФункции

// Saves new personal calendar settings for the current user.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  SettingsStructure - the settings (object or JSON text); see GetCalednarCustomSettingsStructure - settings
//  Token - OAuth access token (string); empty for a webhook - token
Function SetCustomCalendarSettings(Val URL, Val SettingsStructure, Val Token = "") Export

    Arguments = New Structure("URL,SettingsStructure,Token", URL, SettingsStructure, Token);
    Return Called("SetCustomCalendarSettings", Arguments);

EndFunction

Функция УстановитьПользовательскиеНастройкиКалендаря(Знач URL, Знач СтруктураНастроек, Знач Токен = "") Экспорт

    Возврат SetCustomCalendarSettings(URL, СтруктураНастроек, Токен);

КонецФункции

// Reads the portal's default calendar settings (a request, despite the name).
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  Token - OAuth access token (string); empty for a webhook - token
Function GetCalendarSettingsStructure(Val URL, Val Token = "") Export

    Arguments = New Structure("URL,Token", URL, Token);
    Return Called("GetCalendarSettingsStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруНастроекКалендаря(Знач URL, Знач Токен = "") Экспорт

    Возврат GetCalendarSettingsStructure(URL, Токен);

КонецФункции

// Offline: the shape of the personal calendar settings, with hints or empty.
//
// Parameters:
//  Clear - true for a copy with every value emptied, false for the one with field hints (boolean) - empty
Function GetCalednarCustomSettingsStructure(Val Clear = False) Export

    Arguments = New Structure("Clear", Clear);
    Return CalledForValue("GetCalednarCustomSettingsStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруПользовательскихНастроекКаледнаря(Знач Пустая = Ложь) Экспорт

    Возврат GetCalednarCustomSettingsStructure(Пустая);

КонецФункции

// Offline: the shape of a calendar's fields, with hints or empty.
//
// Parameters:
//  Clear - true for a copy with every value emptied, false for the one with field hints (boolean) - empty
Function GetCalendarStructure(Val Clear = False) Export

    Arguments = New Structure("Clear", Clear);
    Return CalledForValue("GetCalendarStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруКалендаря(Знач Пустая = Ложь) Экспорт

    Возврат GetCalendarStructure(Пустая);

КонецФункции

#EndRegion

#Region CalendarEventsManagement

// Adds an event to a calendar.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  EventDescription - the event's fields (object or JSON text), each put at the top level as given; see GetCalendarEventsStructure - fields
//  Token - OAuth access token (string); empty for a webhook - token
Function CreateCalendarEvent(Val URL, Val EventDescription, Val Token = "") Export

    Arguments = New Structure("URL,EventDescription,Token", URL, EventDescription, Token);
    Return Called("CreateCalendarEvent", Arguments);

EndFunction

Функция СоздатьСобытиеКалендаря(Знач URL, Знач ОписаниеСобытия, Знач Токен = "") Экспорт

    Возврат CreateCalendarEvent(URL, ОписаниеСобытия, Токен);

КонецФункции

// Changes an existing calendar event.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  EventID - the event's ID (number or string) - event
//  EventDescription - the fields to change (object or JSON text), each put at the top level as given - fields
//  Token - OAuth access token (string); empty for a webhook - token
Function UpdateCalendarEvent(Val URL, Val EventID, Val EventDescription, Val Token = "") Export

    Arguments = New Structure("URL,EventID,EventDescription,Token", URL, EventID, EventDescription, Token);
    Return Called("UpdateCalendarEvent", Arguments);

EndFunction

Функция ИзменитьСобытиеКалендаря(Знач URL, Знач IDСобытия, Знач ОписаниеСобытия, Знач Токен = "") Экспорт

    Возврат UpdateCalendarEvent(URL, IDСобытия, ОписаниеСобытия, Токен);

КонецФункции

// Reads one calendar event by its ID.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  EventID - the event's ID (number or string) - event
//  Token - OAuth access token (string); empty for a webhook - token
Function GetCalendarEvent(Val URL, Val EventID, Val Token = "") Export

    Arguments = New Structure("URL,EventID,Token", URL, EventID, Token);
    Return Called("GetCalendarEvent", Arguments);

EndFunction

Функция ПолучитьСобытиеКалендаря(Знач URL, Знач IDСобытия, Знач Токен = "") Экспорт

    Возврат GetCalendarEvent(URL, IDСобытия, Токен);

КонецФункции

// Lists the events of an owner's calendars, optionally narrowed by period and calendars.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  OwnerID - the calendar owner's ID (number or string) - owner
//  Type - calendar type such as user, group or company_calendar (string) - type
//  Filter - filter object (or JSON text); only its section, from and to keys are used, see GetCalendarEventsFilterStructure - filter
//  Token - OAuth access token (string); empty for a webhook - token
Function GetCalendarEvents(Val URL, Val OwnerID, Val Type, Val Filter = "", Val Token = "") Export

    Arguments = New Structure("URL,OwnerID,Type,Filter,Token", URL, OwnerID, Type, Filter, Token);
    Return Called("GetCalendarEvents", Arguments);

EndFunction

Функция ПолучитьСобытияКалендарей(Знач URL, Знач IDВладельца, Знач Тип, Знач Фильтр = "", Знач Токен = "") Экспорт

    Возврат GetCalendarEvents(URL, IDВладельца, Тип, Фильтр, Токен);

КонецФункции

// Removes a calendar event.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  EventID - the event's ID (number or string) - event
//  Token - OAuth access token (string); empty for a webhook - token
Function DeleteCalendarEvent(Val URL, Val EventID, Val Token = "") Export

    Arguments = New Structure("URL,EventID,Token", URL, EventID, Token);
    Return Called("DeleteCalendarEvent", Arguments);

EndFunction

Функция УдалитьСобытиеКалендаря(Знач URL, Знач IDСобытия, Знач Токен = "") Экспорт

    Возврат DeleteCalendarEvent(URL, IDСобытия, Токен);

КонецФункции

// Reads whether the current user takes part in an event.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  EventID - the event's ID (number or string) - event
//  Token - OAuth access token (string); empty for a webhook - token
Function GetUserParticipationStatus(Val URL, Val EventID, Val Token = "") Export

    Arguments = New Structure("URL,EventID,Token", URL, EventID, Token);
    Return Called("GetUserParticipationStatus", Arguments);

EndFunction

Функция ПолучитьСтатусУчастияПользователя(Знач URL, Знач IDСобытия, Знач Токен = "") Экспорт

    Возврат GetUserParticipationStatus(URL, IDСобытия, Токен);

КонецФункции

// Records the current user's answer to an event invitation.
//
// Parameters:
//  URL - webhook URL, or the portal's domain when a token is given - url
//  EventID - the event's ID (number or string) - event
//  Status - the answer: Y (accepted), N (declined) or Q (no answer yet) (string) - status
//  Token - OAuth access token (string); empty for a webhook - token
Function SetUserParticipationStatus(Val URL, Val EventID, Val Status, Val Token = "") Export

    Arguments = New Structure("URL,EventID,Status,Token", URL, EventID, Status, Token);
    Return Called("SetUserParticipationStatus", Arguments);

EndFunction

Функция УстановитьСтатусУчастияПользователя(Знач URL, Знач IDСобытия, Знач Статус, Знач Токен = "") Экспорт

    Возврат SetUserParticipationStatus(URL, IDСобытия, Статус, Токен);

КонецФункции

// Offline: the shape of a calendar event's fields, with hints or empty.
//
// Parameters:
//  Clear - true for a copy with every value emptied, false for the one with field hints (boolean) - empty
Function GetCalendarEventsStructure(Val Clear = False) Export

    Arguments = New Structure("Clear", Clear);
    Return CalledForValue("GetCalendarEventsStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруСобытияКалендаря(Знач Пустая = Ложь) Экспорт

    Возврат GetCalendarEventsStructure(Пустая);

КонецФункции

// Offline: the shape of the GetCalendarEvents filter, with hints or empty.
//
// Parameters:
//  Clear - true for a copy with every value emptied, false for the one with field hints (boolean) - empty
Function GetCalendarEventsFilterStructure(Val Clear = False) Export

    Arguments = New Structure("Clear", Clear);
    Return CalledForValue("GetCalendarEventsFilterStructure", Arguments);

EndFunction

Функция ПолучитьСтруктуруФильтраСобытийКалендарей(Знач Пустая = Ложь) Экспорт

    Возврат GetCalendarEventsFilterStructure(Пустая);

КонецФункции

#EndRegion

#Region EventsManagement

// Reads the body of a request the portal sent to an event handler and proves it by its application token; no request is made.
//
// Parameters:
//  Body - the request's body as received, form-encoded or JSON (string); oint reads it from a file with @FILE, or from standard input with - or when left out - body
//  ApplicationToken - the application token stored from ONAPPINSTALL, or the outgoing webhook's; empty only to accept ONAPPINSTALL (string) - apptoken
//  WithTokens - show the event's tokens instead of *** (boolean) - withtokens
Function ParseEvent(Val Body, Val ApplicationToken, Val WithTokens = False) Export

    Arguments = New Structure("Body,ApplicationToken,WithTokens", Body, ApplicationToken, WithTokens);
    Return Called("ParseEvent", Arguments);

EndFunction

Функция РазобратьСобытие(Знач Тело, Знач ТокенПриложения, Знач СТокенами = Ложь) Экспорт

    Возврат ParseEvent(Тело, ТокенПриложения, СТокенами);

КонецФункции

// Reserves a batch of offline events (clear=0) and answers it with its process_id, or reads a reserved batch again by its process_id.
//
// Parameters:
//  URL - the portal's address; offline events need an application's token - url
//  Limit - how many events to reserve at most (number) - limit
//  Filter - filter object, e.g. {"=EVENT_NAME": "ONCRMDEALADD"}, or its JSON text - filter
//  Connector - the auth_connector the events were bound with (string) - connector
//  ProcessID - a reserved batch's process_id, to read what is left of it (string) - process
//  Clear - delete what is read instead of reserving it (clear=1): events whose processing fails are lost (boolean) - clear
//  Errors - read the events marked as failed (error=1) (boolean) - errors
//  Token - OAuth access token of an administrator (string) - token
Function GetOfflineEvents(Val URL, Val Limit = 50, Val Filter = "", Val Connector = "", Val ProcessID = "", Val Clear = False, Val Errors = False, Val Token = "") Export

    Arguments = New Structure("URL,Limit,Filter,Connector,ProcessID,Clear,Errors,Token", URL, Limit, Filter, Connector, ProcessID, Clear, Errors, Token);
    Return Called("GetOfflineEvents", Arguments);

EndFunction

Функция ПолучитьОфлайнСобытия(Знач URL, Знач Лимит = 50, Знач Фильтр = "", Знач Коннектор = "", Знач IDПроцесса = "", Знач Очистить = Ложь, Знач Ошибки = Ложь, Знач Токен = "") Экспорт

    Возврат GetOfflineEvents(URL, Лимит, Фильтр, Коннектор, IDПроцесса, Очистить, Ошибки, Токен);

КонецФункции

// Removes processed events of a reserved batch from the queue.
//
// Parameters:
//  URL - the portal's address; offline events need an application's token - url
//  ProcessID - the batch's process_id (string) - process
//  IDs - the events' IDs: one or an array; all of the batch when left out with MessageIDs - ids
//  MessageIDs - the events' MESSAGE_IDs instead of IDs: one or an array - messages
//  Token - OAuth access token of an administrator (string) - token
Function ClearOfflineEvents(Val URL, Val ProcessID, Val IDs = "", Val MessageIDs = "", Val Token = "") Export

    Arguments = New Structure("URL,ProcessID,IDs,MessageIDs,Token", URL, ProcessID, IDs, MessageIDs, Token);
    Return Called("ClearOfflineEvents", Arguments);

EndFunction

Функция ОчиститьОфлайнСобытия(Знач URL, Знач IDПроцесса, Знач IDЗаписей = "", Знач IDСообщений = "", Знач Токен = "") Экспорт

    Возврат ClearOfflineEvents(URL, IDПроцесса, IDЗаписей, IDСообщений, Токен);

КонецФункции

// Marks events of a reserved batch as failed: kept in the queue, read again with Errors.
//
// Parameters:
//  URL - the portal's address; offline events need an application's token - url
//  ProcessID - the batch's process_id (string) - process
//  MessageIDs - the failed events' MESSAGE_IDs: one or an array - messages
//  Token - OAuth access token of an administrator (string) - token
Function FailOfflineEvents(Val URL, Val ProcessID, Val MessageIDs, Val Token = "") Export

    Arguments = New Structure("URL,ProcessID,MessageIDs,Token", URL, ProcessID, MessageIDs, Token);
    Return Called("FailOfflineEvents", Arguments);

EndFunction

Функция ОтметитьОшибкиОфлайнСобытий(Знач URL, Знач IDПроцесса, Знач IDСообщений, Знач Токен = "") Экспорт

    Возврат FailOfflineEvents(URL, IDПроцесса, IDСообщений, Токен);

КонецФункции

// Has the portal write an event to the offline queue instead of calling a handler.
//
// Parameters:
//  URL - the portal's address; offline events need an application's token - url
//  Event - the event's code, e.g. ONCRMDEALADD (string) - event
//  Connector - a source name of your own, for a queue of its own (string) - connector
//  Token - OAuth access token of an administrator (string) - token
Function BindOfflineEvent(Val URL, Val Event, Val Connector = "", Val Token = "") Export

    Arguments = New Structure("URL,Event,Connector,Token", URL, Event, Connector, Token);
    Return Called("BindOfflineEvent", Arguments);

EndFunction

Функция ПодключитьОфлайнСобытие(Знач URL, Знач Событие, Знач Коннектор = "", Знач Токен = "") Экспорт

    Возврат BindOfflineEvent(URL, Событие, Коннектор, Токен);

КонецФункции

// Stops writing an event to the offline queue.
//
// Parameters:
//  URL - the portal's address; offline events need an application's token - url
//  Event - the event's code, e.g. ONCRMDEALADD (string) - event
//  Connector - the source name it was bound with (string) - connector
//  Token - OAuth access token of an administrator (string) - token
Function UnbindOfflineEvent(Val URL, Val Event, Val Connector = "", Val Token = "") Export

    Arguments = New Structure("URL,Event,Connector,Token", URL, Event, Connector, Token);
    Return Called("UnbindOfflineEvent", Arguments);

EndFunction

Функция ОтключитьОфлайнСобытие(Знач URL, Знач Событие, Знач Коннектор = "", Знач Токен = "") Экспорт

    Возврат UnbindOfflineEvent(URL, Событие, Коннектор, Токен);

КонецФункции

#EndRegion

// End of the generated functions.

#EndRegion

#Region Private

// CallMethod's parameters, Batch's commands or Configure's settings as JSON text: a
// Structure, Map or Array written with WriteJSON, a String taken as JSON already,
// Undefined as none.
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

// <OneScript>
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
// </OneScript>

// One of OpenIntegrations' functions, run by the add-in from its arguments by name:
// the answer as a Map, as OpenIntegrations returns it.
Function Called(Val Name, Val Arguments)

    ArgumentsJSON = AsJSON(Packed(Arguments, 0));
    Answer = Component().RunFunction(Name, ArgumentsJSON);
    Return ParseAnswer(Answer);

EndFunction

// The value of a function that returns one, not an answer (a template, a block,
// a link, GetFolderFilterStructure's fields), or the error.
Function CalledForValue(Val Name, Val Arguments)

    Answer = Called(Name, Arguments);
    If Answer.Get("error") <> Undefined Then
        Return Answer;
    EndIf;
    Return Answer.Get("result");

EndFunction

// A value as JSON can carry it to the add-in: binary data as {"base64": ...},
// a date as its ISO text, collections member by member. An empty date given
// as an argument (Depth 1) becomes "", which is left out as OpenIntegrations
// leaves it; inside a collection it is written as OpenIntegrations writes it.
Function Packed(Val Value, Val Depth)

    ValueType = TypeOf(Value);
    If ValueType = Type("BinaryData") Then
        Return New Structure("base64", Base64String(Value));
    ElsIf ValueType = Type("Date") Then
        If Depth = 1 And Not ValueIsFilled(Value) Then
            Return "";
        EndIf;
        Return XMLString(Value);
    ElsIf ValueType = Type("Structure") Or ValueType = Type("Map") Then
        Result = New Map;
        For Each Item In Value Do
            Result.Insert(String(Item.Key), Packed(Item.Value, Depth + 1));
        EndDo;
        Return Result;
    ElsIf ValueType = Type("Array") Then
        Result = New Array;
        For Each Item In Value Do
            Result.Add(Packed(Item, Depth + 1));
        EndDo;
        Return Result;
    EndIf;
    Return Value;

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
