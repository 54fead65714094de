//! Every refusal and field error eskalera gives: its stable code, and its wording in English
//! (the API's `detail`) and in Swedish (the pages). The one list the agency's language staff
//! review; nothing else writes or reads these sentences.
//!
//! Each message is one match arm: `code`, English, Swedish, side by side. A code never changes
//! once released (clients branch on it); the wording may.

use crate::domain::answer::BindingStatus;
use crate::domain::consistency::{CaseStatus, PossibleStatus};
use crate::domain::mail::MailStatus;
use crate::domain::question::{Action, Status};
use crate::domain::structure::Level;
use crate::domain::Code;

/// A message of the catalogue: its stable code and its two wordings.
pub trait Worded {
    /// The code, the English (the API's `detail` or field `message`) and the Swedish (the
    /// pages: whole sentences).
    fn words(&self) -> (&'static str, String, String);

    fn code(&self) -> &'static str {
        self.words().0
    }

    fn en(&self) -> String {
        self.words().1
    }

    fn sv(&self) -> String {
        self.words().2
    }
}

/// The word list's other half: words eskalera does not use where a person reads (klarspråk),
/// each with the word it uses instead. The tests that walk every page and read every mail hold
/// the texts to it; a new text that needs one of these words needs a new entry here first.
pub const AVOIDED_WORDS: &[(&str, &str)] = &[
    ("sla", "tidsmål"),
    ("måltid", "tidsmål"),
    ("måltiden", "tidsmålet"),
    ("backlog", "frågor som väntar"),
    ("deadline", "senast"),
    ("eskalering", "lyfta frågan"),
    ("eskalerad", "lyft"),
    ("eskalerades", "lyftes"),
    ("eskaleras", "lyfts"),
    ("ticket", "fråga"),
    ("ärendenummer", "PS-nummer"),
    ("status_code", "svarets status"),
    ("assignee", "ansvarig"),
    ("inbox", "att göra"),
];

/// A request understood and refused: the rules do not allow this actor (403), or the state of
/// the thing does not allow it now (409).
#[derive(Debug, Clone, PartialEq, Eq)]
#[rustfmt::skip]
pub enum Refusal {
    // --- 403: who may ---
    /// The actor does not stand to the question as the step needs.
    StepNotYours(Action),
    BindingChangeNotYours,
    BindingNeedsLevel,
    DecideConsistencyLegalOnly,
    ConsistencyLegalOnly,
    ReportsLegalOnly,
    ReviewListLegalOnly,
    LateListLegalOnly,
    AdminOnly,
    /// The directory's groups give the person no home unit, and there is no default.
    NoUnitFromDirectory { contact: String },
    /// `ESKALERA_LOCAL_PASSWORDS=off`: people sign in through the agency's sign-in only.
    LocalPasswordsOff,
    // --- 409: not now ---
    /// The question's status does not allow the step.
    StepNotNow { status: Status, action: Action },
    QuestionChanged { id: i64, now: i64, had: i64 },
    QuestionRaced { id: i64 },
    TopOfStructure { forum: String, process: String },
    NothingToReopen,
    /// A superseded or withdrawn answer keeps its status.
    AnswerSettled { from: BindingStatus },
    BindingChangeNotAllowed { from: BindingStatus, to: BindingStatus },
    AnswerRaced { id: i64 },
    CaseDecided { id: i64, status: CaseStatus },
    CaseRaced { id: i64 },
    PossibleReviewed { id: i64, status: PossibleStatus },
    PossibleRaced { id: i64 },
    NoForumAbove { forum: String, process: String },
    NoAnsweredQuestions,
    HomeUnitUnknown { unit: String },
    TopicMerged { id: i64, into: i64 },
    TopicDecided { id: i64, status: CaseStatus },
    TopicChanged { id: i64 },
    TopicRaced { id: i64 },
    MailNotFailed { id: i64, status: MailStatus },
    UserExists { email: String },
    AlreadyDisabled { email: String },
    NotDisabled { email: String },
    DemoNeedsEmptyDatabase,
    /// `eskalera backup` does not overwrite a file.
    BackupTargetExists { path: String },
    /// `eskalera backup` copies SQLite; PostgreSQL has pg_dump.
    BackupNeedsPgDump,
    /// A unique key lost to a concurrent writer: the same as a version conflict.
    LostRace,
}

/// Whether a refusal is about the actor (403) or about the moment (409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    Forbidden,
    Conflict,
}

impl Refusal {
    pub fn kind(&self) -> RefusalKind {
        use Refusal::*;
        match self {
            StepNotYours(_)
            | BindingChangeNotYours
            | BindingNeedsLevel
            | DecideConsistencyLegalOnly
            | ConsistencyLegalOnly
            | ReportsLegalOnly
            | ReviewListLegalOnly
            | LateListLegalOnly
            | AdminOnly
            | NoUnitFromDirectory { .. }
            | LocalPasswordsOff => RefusalKind::Forbidden,
            _ => RefusalKind::Conflict,
        }
    }
}

impl Worded for Refusal {
    #[rustfmt::skip]
    fn words(&self) -> (&'static str, String, String) {
        use Refusal::*;
        const RELOAD: &str = "Ladda om sidan och försök igen.";
        match self {
            StepNotYours(action) => {
                let (en, sv) = step_rule(*action);
                ("step-not-yours", en.into(), sv.into())
            }
            BindingChangeNotYours => ("binding-change-not-yours", "only members of the forum that gave the answer, of a forum above it on the question's path, or the legal department may change its binding status".into(), "Bara medlemmar i forumet som gav svaret, i ett forum ovanför det på frågans väg, eller rättsavdelningen kan ändra svarets status.".into()),
            BindingNeedsLevel => ("binding-needs-level", "making an answer binding needs a member of a forum on the question's path whose level may issue binding answers".into(), "Bara medlemmar i ett forum på frågans väg vars nivå får ge bindande svar kan göra svaret bindande.".into()),
            DecideConsistencyLegalOnly => ("consistency-decision-legal-only", "only the legal department (role legal) decides consistency cases".into(), "Bara rättsavdelningen bedömer jämförelser av svar.".into()),
            ConsistencyLegalOnly => ("consistency-legal-only", "consistency cases are for the legal department (role legal or admin)".into(), "Jämförelserna av svar är till för rättsavdelningen och administratörer.".into()),
            ReportsLegalOnly => ("reports-legal-only", "reports and the backlog are for the legal department (role legal) and administrators".into(), "Rapporterna och översikten är till för rättsavdelningen och administratörer.".into()),
            LateListLegalOnly => ("late-list-legal-only", "the list of late questions in the whole structure is for the legal department (role legal) and administrators".into(), "Listan över försenade frågor i hela strukturen är till för rättsavdelningen och administratörer.".into()),
            ReviewListLegalOnly => ("review-list-legal-only", "the review list is for the legal department (role legal) and administrators".into(), "Omprövningslistan är till för rättsavdelningen och administratörer.".into()),
            AdminOnly => ("admin-only", "only administrators (role admin) manage users and mail".into(), "Bara administratörer hanterar användare och e-post.".into()),
            StepNotNow { status, action } => {
                let answered_escalation = *action == Action::Escalate && *status == Status::Answered;
                let (en_extra, sv_extra) = if answered_escalation {
                    (
                        " (an answered question can only be escalated while its current answer is temporary)",
                        " Ett besvarat svar kan bara lyftas medan svaret är tillfälligt stöd.",
                    )
                } else {
                    ("", "")
                };
                let (past, verb) = step_words(*action);
                (
                    "step-not-now",
                    format!("a question that is {} cannot be {past}{en_extra}", status.as_str()),
                    format!(
                        "En fråga som är {} kan inte {verb}.{sv_extra}",
                        status.label_sv().to_lowercase()
                    ),
                )
            }
            QuestionChanged { id, now, had } => ("question-changed", format!("question {id} was changed by someone else (version {now} now, you had {had}); reload it and try again"), format!("Någon annan har ändrat frågan medan du hade sidan öppen. {RELOAD}")),
            QuestionRaced { id } => ("question-changed", format!("question {id} was changed by someone else at the same time; reload it and try again"), format!("Någon annan ändrade frågan samtidigt. {RELOAD}")),
            TopOfStructure { forum, process } => ("top-of-structure", format!("{forum} is the top of the structure for process {process}: there is nowhere to escalate to"), format!("{forum} är högst upp i strukturen för processen {process}: det finns ingen nivå att lyfta frågan till.")),
            NothingToReopen => ("nothing-to-reopen", "the question has no answer to reopen".into(), "Frågan har inget svar att öppna igen.".into()),
            AnswerSettled { from } => ("answer-status-final", format!("the answer is already {from}; a {from} answer cannot change status"), format!("Svaret är redan {}; då kan statusen inte ändras.", from.label_sv().to_lowercase())),
            BindingChangeNotAllowed { from, to } => (
                "binding-change-not-allowed",
                format!("an answer cannot go from {from} to {to}: allowed are superseded, withdrawn, and temporary to binding"),
                format!(
                    "Ett svar kan inte gå från {} till {}: det kan ersättas, återkallas, eller gå från tillfälligt stöd till bindande.",
                    from.label_sv().to_lowercase(),
                    to.label_sv().to_lowercase()
                ),
            ),
            AnswerRaced { id } => ("answer-changed", format!("answer {id} was changed by someone else at the same time"), format!("Någon annan ändrade svaret samtidigt. {RELOAD}")),
            CaseDecided { id, status } => ("case-decided", format!("consistency case {id} is already decided ({status})"), format!("Jämförelsen är redan bedömd ({}). {RELOAD}", status.label_sv().to_lowercase())),
            CaseRaced { id } => ("case-decided", format!("consistency case {id} was decided by someone else at the same time; reload it"), format!("Någon annan bedömde jämförelsen samtidigt. {RELOAD}")),
            PossibleReviewed { id, status } => ("possible-divergence-reviewed", format!("possible divergence {id} is already reviewed ({status})"), format!("Den möjliga avvikelsen är redan granskad ({}). {RELOAD}", status.label_sv().to_lowercase())),
            PossibleRaced { id } => ("possible-divergence-reviewed", format!("possible divergence {id} was reviewed by someone else at the same time; reload it"), format!("Någon annan granskade den möjliga avvikelsen samtidigt. {RELOAD}")),
            NoForumAbove { forum, process } => ("no-forum-above", format!("no process forum is above {forum} for process {process}"), format!("Det finns inget processforum ovanför {forum} för processen {process}.")),
            NoAnsweredQuestions => ("no-answered-questions", "the decision names no answered questions".into(), "Bedömningen gäller inga besvarade frågor.".into()),
            LocalPasswordsOff => ("local-passwords-off", "signing in with a password is switched off here; sign in with your agency account".into(), "Inloggning med lösenord är avstängd här. Logga in med ditt konto hos Migrationsverket.".into()),
            NoUnitFromDirectory { contact } => ("no-unit-from-directory", "the directory's groups give you no home unit in eskalera, so no account was made".into(), format!("Du är inloggad hos Migrationsverket, men dina grupper i katalogen ger dig ingen enhet i eskalera, så du har inget konto här ännu. Be {contact} att lägga dig i gruppen för din enhet och logga sedan in igen.")),
            HomeUnitUnknown { unit } => ("home-unit-unknown", format!("your home unit '{unit}' is not in the structure"), format!("Din hemenhet '{unit}' finns inte i strukturen. Kontakta en administratör.")),
            TopicMerged { id, into } => ("topic-merged", format!("consistency topic {id} was joined to topic {into} when a new pair linked them; decide topic {into}"), format!("Ämnet har slagits ihop med ämne {into} när en ny jämförelse band ihop dem. Bedöm ämne {into}.")),
            TopicDecided { id, status } => ("topic-decided", format!("consistency topic {id} is already decided ({status})"), format!("Ämnet är redan bedömt ({}). {RELOAD}", status.label_sv().to_lowercase())),
            TopicChanged { id } => ("topic-changed", format!("consistency topic {id} changed since you read it (a question joined it or a case was decided); reload it"), format!("Ämnet har ändrats sedan du öppnade sidan (en fråga har tillkommit eller en jämförelse bedömts). {RELOAD}")),
            TopicRaced { id } => ("topic-changed", format!("consistency topic {id} was decided by someone else at the same time; reload it"), format!("Någon annan bedömde ämnet samtidigt. {RELOAD}")),
            MailNotFailed { id, status } => ("mail-not-failed", format!("mail {id} is {status}, not failed"), "Brevet har inte misslyckats och kan inte skickas om.".into()),
            UserExists { email } => ("user-exists", format!("a user with e-mail {email} exists already"), format!("Det finns redan en användare med e-postadressen {email}.")),
            AlreadyDisabled { email } => ("user-disabled-already", format!("{email} is disabled already"), format!("{email} är redan avstängd.")),
            NotDisabled { email } => ("user-not-disabled", format!("{email} is not disabled"), format!("{email} är inte avstängd.")),
            LostRace => ("conflict", "a concurrent change won; reload and try again".into(), format!("Någon annan ändrade samma sak samtidigt. {RELOAD}")),
            BackupTargetExists { path } => ("backup-target-exists", format!("{path} exists already; a backup goes to a new file"), format!("{path} finns redan; en säkerhetskopia skrivs till en ny fil.")),
            BackupNeedsPgDump => ("backup-needs-pg-dump", "the database is PostgreSQL: back it up with pg_dump (README, Operations)".into(), "Databasen är PostgreSQL: säkerhetskopiera den med pg_dump.".into()),
            DemoNeedsEmptyDatabase => ("demo-needs-empty-database", "the database already holds data; the demo only loads into an empty one".into(), "Databasen innehåller redan uppgifter; demodata läses bara in i en tom databas.".into()),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en())
    }
}

/// Who may take a step, as the refusal says it.
fn step_rule(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Claim => (
            "only members of the forum holding the question or the legal department may claim it",
            "Bara medlemmar i forumet där frågan ligger, eller rättsavdelningen, kan ta frågan.",
        ),
        Action::Assign => (
            "only members of the forum holding the question or the legal department may assign it",
            "Bara medlemmar i forumet där frågan ligger, eller rättsavdelningen, kan tilldela frågan.",
        ),
        Action::RequestInfo => (
            "only members of the forum holding the question may ask the asker for more information",
            "Bara medlemmar i forumet där frågan ligger kan begära komplettering.",
        ),
        Action::Answer => (
            "only members of the forum holding the question may answer it",
            "Bara medlemmar i forumet där frågan ligger kan svara på den.",
        ),
        Action::Escalate => (
            "only members of the forum holding the question may escalate it",
            "Bara medlemmar i forumet där frågan ligger kan lyfta den.",
        ),
        Action::Duplicate => (
            "only members of the forum holding the question may mark it as a duplicate",
            "Bara medlemmar i forumet där frågan ligger kan markera den som dubblett.",
        ),
        Action::ProvideInfo => (
            "only the asker may provide the information that was requested",
            "Bara den som ställde frågan kan komplettera den.",
        ),
        Action::Withdraw => (
            "only the asker may withdraw a question",
            "Bara den som ställde frågan kan återkalla den.",
        ),
        Action::Close => (
            "only the asker, members of the forum that answered, or the legal department may close a question",
            "Bara den som ställde frågan, medlemmar i forumet som svarade eller rättsavdelningen kan avsluta frågan.",
        ),
        Action::Reopen => (
            "only the asker or members of the forum that answered may reopen a question",
            "Bara den som ställde frågan eller medlemmar i forumet som svarade kan öppna den igen.",
        ),
    }
}

/// A step as "cannot be …" (English) and "kan inte …" (Swedish) end.
fn step_words(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Claim => ("claimed", "tas för handläggning"),
        Action::Assign => ("assigned", "tilldelas"),
        Action::RequestInfo => (
            "sent back for more information",
            "skickas tillbaka för komplettering",
        ),
        Action::ProvideInfo => ("given more information", "kompletteras"),
        Action::Answer => ("answered", "besvaras"),
        Action::Escalate => ("escalated", "lyftas"),
        Action::Close => ("closed", "avslutas"),
        Action::Withdraw => ("withdrawn", "återkallas"),
        Action::Reopen => ("reopened", "öppnas igen"),
        Action::Duplicate => ("marked as a duplicate", "markeras som dubblett"),
    }
}

/// Something a request names that does not exist (404).
#[derive(Debug, Clone, PartialEq, Eq)]
#[rustfmt::skip]
pub enum Missing {
    Question(i64),
    QuestionRef(String),
    Answer(i64),
    Case(i64),
    Topic(i64),
    PossibleDivergence(i64),
    Mail(i64),
    User(i64),
    UserEmail(String),
    Step(String),
    Page(String),
    Country(String),
    SavedSearch(i64),
}

impl Worded for Missing {
    #[rustfmt::skip]
    fn words(&self) -> (&'static str, String, String) {
        use Missing::*;
        match self {
            Question(id) => ("no-such-question", format!("there is no question {id}"), format!("Det finns ingen fråga {id}.")),
            QuestionRef(r) => ("no-such-question", format!("no question {r}"), format!("Det finns ingen fråga {r}.")),
            Answer(id) => ("no-such-answer", format!("there is no answer {id}"), format!("Det finns inget svar {id}.")),
            Case(id) => ("no-such-case", format!("no consistency case {id}"), format!("Det finns ingen jämförelse {id}.")),
            Topic(id) => ("no-such-topic", format!("no consistency topic {id}"), format!("Det finns inget ämne {id}.")),
            PossibleDivergence(id) => ("no-such-possible-divergence", format!("no possible divergence {id}"), format!("Det finns ingen möjlig avvikelse {id}.")),
            Mail(id) => ("no-such-mail", format!("there is no mail {id}"), format!("Det finns inget brev {id}.")),
            User(id) => ("no-such-user", format!("there is no user {id}"), format!("Det finns ingen användare {id}.")),
            UserEmail(e) => ("no-such-user", format!("there is no user with e-mail {e}"), format!("Det finns ingen användare med e-postadressen {e}.")),
            Page(p) => ("no-such-page", format!("there is nothing at {p}"), format!("Det finns ingen sida {p}.")),
            Country(c) => ("no-such-country", format!("'{c}' is no country code or name (ISO 3166-1 alpha-2, e.g. SY, or the Swedish name)"), format!("'{c}' är inget land. Skriv landskoden, t.ex. SY, eller namnet på svenska.")),
            SavedSearch(id) => ("no-such-saved-search", format!("you have no saved search {id}"), format!("Du har ingen sparad sökning {id}.")),
            Step(s) => ("no-such-step", format!("there is no step '{s}'"), format!("Det finns inget steg '{s}'.")),
        }
    }
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en())
    }
}

/// What a field names that the service does not know, for "unknown …" errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    Process,
    Category,
    Priority,
    Forum,
    Unit,
    Status,
    Level,
    BindingStatus,
    Decision,
    Format,
    Column,
    Grouping,
    Country,
}

impl Thing {
    fn en(self) -> &'static str {
        match self {
            Thing::Process => "process",
            Thing::Category => "category",
            Thing::Priority => "priority",
            Thing::Forum => "forum",
            Thing::Unit => "unit",
            Thing::Status => "status",
            Thing::Level => "level",
            Thing::BindingStatus => "binding status",
            Thing::Decision => "decision",
            Thing::Format => "format",
            Thing::Column => "column",
            Thing::Grouping => "grouping",
            Thing::Country => "country",
        }
    }

    fn sv(self) -> &'static str {
        match self {
            Thing::Process => "process",
            Thing::Category => "kategori",
            Thing::Priority => "prioritet",
            Thing::Forum => "forum",
            Thing::Unit => "enhet",
            Thing::Status => "status",
            Thing::Level => "nivå",
            Thing::BindingStatus => "status för svaret",
            Thing::Decision => "bedömning",
            Thing::Format => "format",
            Thing::Column => "kolumn",
            Thing::Grouping => "gruppering",
            Thing::Country => "land",
        }
    }

    /// "Okänd" or "Okänt": the adjective agrees with the word's gender.
    fn unknown_sv(self) -> &'static str {
        match self {
            Thing::Forum | Thing::Format | Thing::Country => "Okänt",
            _ => "Okänd",
        }
    }
}

/// What an "unknown …" error adds so the person can correct it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    None,
    /// The codes to choose from, listed.
    OneOf(String),
    /// The codes to choose from, said as a phrase in English and in Swedish ("normal or
    /// urgent", "normal eller urgent").
    Expected(&'static str, &'static str),
    /// Where the API lists them.
    SeeApi(&'static str),
}

/// What is wrong with one input field (422). The field itself is named beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[rustfmt::skip]
pub enum FieldProblem {
    Required,
    /// Required, with the codes to choose from.
    RequiredOneOf(&'static str),
    SupersededByRequired,
    DuplicateOfRequired,
    SettledByRequired,
    ReviewDateRequired,
    TooLong { max: usize },
    TooLongBytes { max: usize },
    TooShort { min: usize },
    TooMany { max: usize },
    Empty,
    NulCharacter,
    /// Personal data of a kind (its Swedish name) between two character positions.
    /// `after`: the words just before it (never the personal data itself), to find it by.
    PersonalData { kind: &'static str, first: usize, last: usize, after: String },
    NotADate { value: String },
    YearOutOfRange { value: String },
    NotATime { value: String },
    Between { min: i64, max: i64 },
    OutOfRange,
    FromAfterTo,
    InTheFuture,
    MustBeFuture,
    AnswersOutOfOrder,
    Unknown { thing: Thing, value: String, hint: Hint },
    NotOneOf { value: String, codes: String },
    NotCountryCode { value: String },
    NotAnEmail { value: Option<String> },
    NoUserWithEmail { email: String },
    UnknownEmail,
    /// An imported asker or author with no account; `who` is "askers" or "authors".
    NoHistoricUser { email: String, who: &'static str },
    NotMember { email: String, forum: String },
    AssigneeNotMember { email: String, forum: String },
    NoQuestion { reference: String },
    /// A saved search with neither words nor a filter would match every answer.
    WordsOrFilter,
    /// An answer's reference `PS-…` names no question.
    UnknownReference { reference: String },
    /// An answer's reference names the question it answers.
    CitesItself { reference: String },
    NotAQuestionNumber { value: String },
    NoBindingAnswer { reference: String },
    NoAnswer { id: i64 },
    AnswerOfAnotherQuestion { by: i64, question: i64 },
    AnswerNotLater { by: i64, of: i64 },
    AnswerIsItself { by: i64, status: BindingStatus },
    OnlySupersededNamesReplacement,
    NotAParent { value: String, forum: String, goes_to: String },
    SeveralParents { forum: String, codes: String },
    CannotBeIssued { value: String },
    LevelMayNotIssue { level: Level, status: BindingStatus, allowed: String },
    OnlyTemporaryHasReviewDate,
    DuplicatesItself,
    DuplicateChain { at: i64, id: i64 },
    OnlyUrgentTakesReason,
    OnlyForSettled,
    HomeUnitUnknown { unit: String },
    AlsoOnLine { reference: String, line: usize },
    RowsDisagree { reference: String, line: usize },
    MissingColumn { name: String },
    HoldsNoQuestions,
    StageTimeOutOfRange,
    NothingToChange,
    /// Text a parser could not read (JSON, CSV, TOML, a query string); its own words follow.
    Unreadable { detail: String },
    /// A JSON body of the wrong shape; serde's words follow.
    BodyShape { detail: String },
    PasswordNotHashed { detail: String },
    /// The bundled demo data is inconsistent (a build fault, not the operator's).
    DemoData { detail: String },
}

impl Worded for FieldProblem {
    #[rustfmt::skip]
    fn words(&self) -> (&'static str, String, String) {
        use FieldProblem::*;
        let required = || "Måste fyllas i.".to_string();
        match self {
            Required => ("required", "is required".into(), required()),
            RequiredOneOf(choices) => ("required", format!("is required: {choices}"), required()),
            SupersededByRequired => ("required", "is required: the id of the later answer that replaces this one".into(), "Måste fyllas i: det senare svar som ersätter det här.".into()),
            DuplicateOfRequired => ("required", "is required: the id of the question this one duplicates".into(), "Måste fyllas i: frågan som den här är en dubblett av.".into()),
            SettledByRequired => ("required", "is required for settled: the reference (PS-…) of the question whose binding answer decides".into(), "Måste fyllas i när frågan redan är avgjord: referensen (PS-…) till frågan vars bindande svar avgör.".into()),
            ReviewDateRequired => ("required", "is required for temporary support: when it must be reviewed".into(), "Måste fyllas i för tillfälligt stöd: när svaret ska omprövas.".into()),
            TooLong { max } => ("too-long", format!("is longer than {max} characters"), format!("Får vara högst {max} tecken.")),
            TooLongBytes { max } => ("too-long", format!("is longer than {max} bytes"), format!("Får vara högst {max} byte.")),
            TooShort { min } => ("too-short", format!("must be at least {min} characters"), format!("Måste vara minst {min} tecken.")),
            TooMany { max } => ("too-many", format!("has more than {max} items"), format!("Får ha högst {max} värden.")),
            Empty => ("empty", "is empty".into(), "Får inte vara tomt.".into()),
            NulCharacter => ("nul-character", "contains a NUL character".into(), "Innehåller ett otillåtet tecken (NUL).".into()),
            PersonalData { kind, first, last, after } => {
                let en_at = if last > first { format!("at characters {first}–{last}") } else { format!("at character {first}") };
                let sv_at = if after.is_empty() { "i början av texten".to_string() } else { format!("efter ”{after}”") };
                (
                    "personal-data",
                    format!("contains personal data ({kind} {en_at}); questions must be anonymised"),
                    format!("Innehåller personuppgifter: {} {kind} {sv_at}. Ta bort uppgiften eller skriv om så att ingen person kan kännas igen; frågor och svar ska vara avidentifierade.", if kind.starts_with("e-post") { "en" } else { "ett" }),
                )
            }
            NotADate { value } => ("not-a-date", format!("'{value}' is not a date in the form YYYY-MM-DD"), format!("'{value}' är inget datum. Skriv det som YYYY-MM-DD, till exempel 2026-03-31.")),
            YearOutOfRange { value } => ("out-of-range", format!("'{value}' is outside the years -9999 to 9999"), format!("'{value}' ligger utanför åren -9999 till 9999.")),
            NotATime { value } => ("not-a-time", format!("'{value}' is not an RFC 3339 time such as 2021-03-04T09:30:00+01:00"), format!("'{value}' är ingen tidpunkt enligt RFC 3339, t.ex. 2021-03-04T09:30:00+01:00.")),
            Between { min, max } => ("out-of-range", format!("must be between {min} and {max}"), format!("Måste vara mellan {min} och {max}.")),
            OutOfRange => ("out-of-range", "is out of range".into(), "Ligger utanför det som går att visa.".into()),
            FromAfterTo => ("from-after-to", "must not be after to".into(), "Får inte ligga efter slutdatumet.".into()),
            InTheFuture => ("in-the-future", "is in the future".into(), "Ligger i framtiden.".into()),
            MustBeFuture => ("not-in-the-future", "must be in the future".into(), "Måste ligga i framtiden.".into()),
            AnswersOutOfOrder => ("out-of-order", "is before the question or the answer before it; list answers in time order".into(), "Ligger före frågan eller svaret före; ange svaren i tidsordning.".into()),
            Unknown { thing, value, hint } => {
                let (en_hint, sv_hint) = match hint {
                    Hint::None => (String::new(), String::new()),
                    // The codes are for programs; a person chooses among names in a list.
                    Hint::OneOf(codes) => (
                        format!(", expected one of: {codes}"),
                        " Välj ett av alternativen i listan.".into(),
                    ),
                    Hint::Expected(en, sv) => (format!(", expected {en}"), format!(" Ange {sv}.")),
                    Hint::SeeApi(path) => (
                        format!("; see GET {path}"),
                        " Välj ett av alternativen i listan.".into(),
                    ),
                };
                (
                    "unknown-value",
                    format!("unknown {} '{value}'{en_hint}", thing.en()),
                    format!("{} {} '{value}'.{sv_hint}", thing.unknown_sv(), thing.sv()),
                )
            }
            NotOneOf { value, codes } => ("unknown-value", format!("'{value}' is not one of: {codes}"), format!("'{value}' finns inte bland alternativen. Välj ett av alternativen i listan.")),
            NotCountryCode { value } => ("not-a-country-code", format!("'{value}' is neither a country's name (Swedish, former or English) nor an ISO 3166-1 alpha-2 code such as BY or SD"), format!("Hittar inget land som heter '{value}'. Skriv landets namn, t.ex. Belarus eller Sudan (äldre namn som Vitryssland går också), eller landkoden.")),
            NotAnEmail { value: Some(v) } => ("not-an-email", format!("'{v}' is not an e-mail address"), format!("'{v}' är ingen e-postadress.")),
            NotAnEmail { value: None } => ("not-an-email", "is not an e-mail address".into(), "Är ingen e-postadress.".into()),
            NoUserWithEmail { email } => ("no-such-user", format!("no user with e-mail {email}"), format!("Ingen användare har e-postadressen {email}.")),
            UnknownEmail => ("no-such-user", "no user has this e-mail address".into(), "Ingen användare har den e-postadressen.".into()),
            NoHistoricUser { email, who } => ("no-such-user", format!("no user has the e-mail '{email}'; leave it out for historic {who}"), format!("Ingen användare har e-postadressen '{email}'; utelämna den för historiska uppgifter.")),
            NotMember { email, forum } => ("not-a-member", format!("{email} is not a member of {forum}"), format!("{email} är inte medlem i {forum}.")),
            AssigneeNotMember { email, forum } => ("not-a-member", format!("{email} is not a member of {forum}, which holds the question"), format!("{email} är inte medlem i {forum}, där frågan ligger.")),
            NoQuestion { reference } => ("no-such-question", format!("there is no question {reference}"), format!("Det finns ingen fråga {reference}.")),
            WordsOrFilter => ("words-or-filter", "give words or a filter: a saved search without either would match every answer".into(), "Skriv minst ett ord eller välj en process eller ett land; annars skulle sökningen träffa alla nya svar.".into()),
            UnknownReference { reference } => ("unknown-reference", format!("{reference} names no question; a reference to another answer must be the reference of an existing question"), format!("{reference} är ingen fråga i eskalera. En hänvisning till ett annat svar ska vara referensen till en fråga som finns.")),
            CitesItself { reference } => ("cites-itself", format!("{reference} is the question this answers; refer to other questions only"), format!("{reference} är frågan som besvaras; hänvisa bara till andra frågor.")),
            NotAQuestionNumber { value } => ("not-a-question-number", format!("'{value}' is not a question number"), format!("'{value}' är inget frågenummer. Skriv referensen, t.ex. PS-2026-000023, eller numret.")),
            NoBindingAnswer { reference } => ("no-binding-answer", format!("{reference} has no binding answer that holds"), format!("{reference} har inget bindande svar som gäller.")),
            NoAnswer { id } => ("no-such-answer", format!("there is no answer {id}"), format!("Det finns inget svar {id}.")),
            AnswerOfAnotherQuestion { by, question } => ("answer-of-another-question", format!("answer {by} belongs to another question; it must answer question {question}, the question it duplicates, or be binding"), format!("Svar {by} hör till en annan fråga; det måste besvara fråga {question} eller den fråga den är dubblett av, eller vara bindande.")),
            AnswerNotLater { by, of } => ("answer-not-later", format!("answer {by} is not later than answer {of}"), format!("Svar {by} är inte senare än svar {of}.")),
            AnswerIsItself { by, status } => ("answer-not-current", format!("answer {by} is itself {status}"), format!("Svar {by} är självt {}.", status.label_sv().to_lowercase())),
            OnlySupersededNamesReplacement => ("only-for-superseded", "only a superseded answer names the answer that replaces it".into(), "Bara ett ersatt svar anger svaret som ersätter det.".into()),
            NotAParent { value, forum, goes_to } => ("not-a-parent", format!("'{value}' is not a parent of {forum}; the question goes to {goes_to}"), format!("'{value}' ligger inte ovanför {forum}; frågan går till {goes_to}.")),
            SeveralParents { forum, codes } => ("choose-a-parent", format!("{forum} has several parents for this process; choose one of: {codes}"), format!("{forum} har flera forum ovanför sig för den här processen; välj en av: {codes}.")),
            CannotBeIssued { value } => ("cannot-be-issued", format!("'{value}' cannot be issued; expected guidance, temporary or binding"), format!("'{value}' kan inte ges som status för ett nytt svar; välj vägledande, tillfälligt stöd eller bindande.")),
            LevelMayNotIssue { level, status, allowed } => (
                "level-may-not-issue",
                format!("a forum at level {level} may not issue {status} answers; allowed: {allowed}"),
                format!(
                    "Ett forum på nivån {} får inte ge svar med status {}; tillåtet: {allowed}.",
                    level.label_sv(),
                    status.label_sv().to_lowercase()
                ),
            ),
            OnlyTemporaryHasReviewDate => ("only-for-temporary", "only temporary answers have a review date".into(), "Bara tillfälligt stöd har ett omprövningsdatum.".into()),
            DuplicatesItself => ("duplicates-itself", "a question cannot duplicate itself".into(), "En fråga kan inte vara dubblett av sig själv.".into()),
            DuplicateChain { at, id } => ("duplicate-chain", format!("question {at} is itself a duplicate of question {id}; a duplicate must point to the question that holds the answer"), format!("Fråga {at} är själv en dubblett av fråga {id}; en dubblett ska peka på frågan som har svaret.")),
            OnlyUrgentTakesReason => ("only-for-urgent", "only urgent questions take a reason".into(), "Bara brådskande frågor har ett skäl för brådskan.".into()),
            OnlyForSettled => ("only-for-settled", "is only for the decision settled".into(), "Anges bara när frågan redan är avgjord.".into()),
            HomeUnitUnknown { unit } => ("home-unit-unknown", format!("your home unit '{unit}' is not in the structure"), format!("Din hemenhet '{unit}' finns inte i strukturen. Kontakta en administratör.")),
            AlsoOnLine { reference, line } => ("repeated", format!("'{reference}' is also on line {line}"), format!("'{reference}' finns också på rad {line}.")),
            RowsDisagree { reference, line } => ("rows-disagree", format!("'{reference}' is on line {line} with other question fields; the rows of one question must repeat them alike"), format!("'{reference}' finns på rad {line} med andra uppgifter om frågan; en frågas rader måste upprepa dem lika.")),
            MissingColumn { name } => ("missing-column", format!("has no column '{name}'"), format!("Saknar kolumnen '{name}'.")),
            HoldsNoQuestions => ("empty", "holds no questions".into(), "Innehåller inga frågor.".into()),
            StageTimeOutOfRange => ("out-of-range", "a stage's time is out of range".into(), "En etapps tid ligger utanför det som går att räkna med.".into()),
            NothingToChange => ("nothing-to-change", "nothing to change: give --role, --add-member, --remove-member or --password-stdin".into(), "Inget att ändra.".into()),
            Unreadable { detail } => ("unreadable", detail.clone(), format!("Kunde inte läsas ({detail}).")),
            BodyShape { detail } => ("unreadable", format!("does not fit the expected fields: {detail}"), format!("Har inte de fält som väntas ({detail}).")),
            PasswordNotHashed { detail } => ("internal", format!("cannot be hashed: {detail}"), "Lösenordet kunde inte sparas.".into()),
            DemoData { detail } => ("demo-data", detail.clone(), format!("Demodata kunde inte läsas ({detail}).")),
        }
    }
}

/// What a page says after a form was posted and did what was asked: what happened and what
/// comes next. Shown once, in a `role="status"` region, on the page the form leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[rustfmt::skip]
pub enum Confirmation {
    Asked,
    Step(Action),
    BindingChanged,
    MailRetried,
    MailRetriedAll,
    MembershipAdded,
    MembershipRemoved,
    MembershipUnchanged,
    MembershipsSaved,
    CaseDecided,
    PossibleTakenUp,
    PossibleDismissed,
    Followed,
    Unfollowed,
    SessionsEnded,
    AccountDisabled,
    AccountEnabled,
    SearchSaved,
    SearchDeleted,
    FeedTokenReplaced,
    FeedTokenRevoked,
}

impl Confirmation {
    /// Every confirmation, for the cookie that carries one across a redirect.
    pub fn all() -> Vec<Confirmation> {
        let mut all: Vec<Confirmation> =
            Action::ALL.iter().map(|a| Confirmation::Step(*a)).collect();
        all.extend([
            Confirmation::Asked,
            Confirmation::BindingChanged,
            Confirmation::MailRetried,
            Confirmation::MailRetriedAll,
            Confirmation::MembershipAdded,
            Confirmation::MembershipRemoved,
            Confirmation::MembershipUnchanged,
            Confirmation::MembershipsSaved,
            Confirmation::CaseDecided,
            Confirmation::PossibleTakenUp,
            Confirmation::PossibleDismissed,
            Confirmation::Followed,
            Confirmation::Unfollowed,
            Confirmation::SessionsEnded,
            Confirmation::AccountDisabled,
            Confirmation::AccountEnabled,
            Confirmation::SearchSaved,
            Confirmation::SearchDeleted,
            Confirmation::FeedTokenReplaced,
            Confirmation::FeedTokenRevoked,
        ]);
        all
    }

    pub fn from_code(code: &str) -> Option<Confirmation> {
        Confirmation::all().into_iter().find(|c| c.code() == code)
    }
}

impl Worded for Confirmation {
    #[rustfmt::skip]
    fn words(&self) -> (&'static str, String, String) {
        use Confirmation::*;
        match self {
            Asked => ("asked", "the question was sent to your unit".into(), "Frågan är skickad till din enhet. Du får e-post när någon tar den, ber om mer information eller svarar.".into()),
            Step(Action::Claim) => ("claimed", "you hold the question now".into(), "Du har tagit frågan och står som ansvarig. Svara, be om komplettering eller lyft den vidare.".into()),
            Step(Action::Assign) => ("assigned", "the question was assigned".into(), "Frågan är tilldelad. Den som fick den ser den under Att göra.".into()),
            Step(Action::RequestInfo) => ("info-requested", "the asker was asked for more information".into(), "Begäran om komplettering är skickad till frågeställaren. Tidsmålet står still tills hen har svarat.".into()),
            Step(Action::ProvideInfo) => ("info-provided", "your information was sent to the forum".into(), "Din komplettering är skickad. Forumet fortsätter med frågan och tidsmålet räknas igen.".into()),
            Step(Action::Answer) => ("answered", "the answer was published".into(), "Svaret är publicerat. Frågeställaren och de som följer frågan får e-post.".into()),
            Step(Action::Escalate) => ("escalated", "the question was escalated".into(), "Frågan är lyft till nästa nivå och ligger nu i deras kö. Frågeställaren får e-post.".into()),
            Step(Action::Close) => ("closed", "the question was closed".into(), "Frågan är avslutad. Den kan öppnas igen om svaret inte räcker.".into()),
            Step(Action::Withdraw) => ("withdrawn", "the question was withdrawn".into(), "Frågan är återkallad. Ingen behöver arbeta vidare med den.".into()),
            Step(Action::Reopen) => ("reopened", "the question was opened again".into(), "Frågan är öppnad igen och ligger i forumets kö.".into()),
            Step(Action::Duplicate) => ("marked-duplicate", "the question was marked as a duplicate".into(), "Frågan är markerad som dubblett. Frågeställaren hänvisas till den ursprungliga frågan och dess svar.".into()),
            BindingChanged => ("binding-changed", "the answer's binding status was changed".into(), "Svarets status är ändrad. De som följer frågan får e-post.".into()),
            MailRetried => ("mail-retried", "the message will be sent again".into(), "Meddelandet skickas igen inom en minut.".into()),
            MailRetriedAll => ("mail-retried-all", "the messages will be sent again".into(), "Meddelandena skickas igen inom några minuter.".into()),
            MembershipAdded => ("membership-added", "the membership was added".into(), "Medlemskapet är tillagt. Personen ser forumets kö från nästa sida hen öppnar.".into()),
            MembershipRemoved => ("membership-removed", "the membership was removed".into(), "Medlemskapet är borttaget.".into()),
            MembershipsSaved => ("memberships-saved", "the memberships were saved".into(), "Medlemskapen är sparade. Personen ser de nya forumens köer från nästa sida hen öppnar.".into()),
            SessionsEnded => ("sessions-ended", "every session and token of the person has ended".into(), "Alla personens inloggningar och API-nycklar är avslutade. Personen får logga in igen.".into()),
            AccountDisabled => ("account-disabled", "the account is disabled".into(), "Kontot är avstängt: personen är utloggad överallt och kan inte logga in förrän kontot öppnas igen.".into()),
            AccountEnabled => ("account-enabled", "the account is enabled again".into(), "Kontot är öppnat igen. Personen kan logga in; gamla inloggningar och API-nycklar gäller inte.".into()),
            MembershipUnchanged => ("membership-unchanged", "nothing changed: the memberships were already so".into(), "Inget ändrades: medlemskapen var redan så.".into()),
            CaseDecided => ("case-decided", "the decision was saved".into(), "Beslutet är sparat.".into()),
            PossibleTakenUp => ("possible-divergence-taken-up", "the pair is now a consistency case in a topic".into(), "Paret granskas nu som ett ämne. Bedöm svaren där.".into()),
            PossibleDismissed => ("possible-divergence-dismissed", "the pair was marked as not the same question".into(), "Paret är markerat som olika frågor och visas inte igen.".into()),
            Followed => ("followed", "you follow the question".into(), "Du följer frågan och får e-post när något händer med den.".into()),
            SearchSaved => ("search-saved", "the search was saved".into(), "Sökningen är sparad. Du får veta när ett nytt svar matchar den.".into()),
            SearchDeleted => ("search-deleted", "the saved search was deleted".into(), "Den sparade sökningen är borttagen, med sitt flöde.".into()),
            FeedTokenReplaced => ("feed-token-replaced", "a new feed key was made; the old one no longer works".into(), "En ny flödesnyckel är skapad. Den gamla fungerar inte längre: byt adress i din flödesläsare och på intranätet.".into()),
            FeedTokenRevoked => ("feed-token-revoked", "the feed key was revoked".into(), "Flödesnyckeln är återkallad. Dina flöden och inbäddade vyer fungerar inte förrän du skapar en ny.".into()),
            Unfollowed => ("unfollowed", "you no longer follow the question".into(), "Du följer inte längre frågan.".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_step_is_said_in_both_languages() {
        let r = Refusal::StepNotNow {
            status: Status::InProgress,
            action: Action::Claim,
        };
        assert_eq!(r.code(), "step-not-now");
        assert_eq!(r.kind(), RefusalKind::Conflict);
        assert_eq!(r.en(), "a question that is in_progress cannot be claimed");
        assert_eq!(
            r.sv(),
            "En fråga som är under handläggning kan inte tas för handläggning."
        );
        let r = Refusal::StepNotNow {
            status: Status::Answered,
            action: Action::Escalate,
        };
        assert!(r.en().contains("while its current answer is temporary"));
        assert!(r
            .sv()
            .starts_with("En fråga som är besvarad kan inte lyftas."));
        assert_eq!(
            Refusal::StepNotYours(Action::Withdraw).kind(),
            RefusalKind::Forbidden
        );
    }

    #[test]
    fn field_problems_are_said_in_both_languages() {
        let p = FieldProblem::PersonalData {
            kind: "telefonnummer",
            first: 10,
            last: 22,
            after: "ring sökanden på".into(),
        };
        assert_eq!(
            p.en(),
            "contains personal data (telefonnummer at characters 10–22); questions must be anonymised"
        );
        assert_eq!(
            p.sv(),
            "Innehåller personuppgifter: ett telefonnummer efter ”ring sökanden på”. Ta bort uppgiften eller skriv om så att ingen person kan kännas igen; frågor och svar ska vara avidentifierade."
        );
        assert_eq!(
            FieldProblem::TooLong { max: 200 }.sv(),
            "Får vara högst 200 tecken."
        );
        let u = FieldProblem::Unknown {
            thing: Thing::Process,
            value: "x".into(),
            hint: Hint::OneOf("a, b".into()),
        };
        assert_eq!(u.en(), "unknown process 'x', expected one of: a, b");
        assert_eq!(
            u.sv(),
            "Okänd process 'x'. Välj ett av alternativen i listan."
        );
    }

    /// Every sentence a person reads ends as a sentence, and the codes are kebab-case.
    #[test]
    fn every_swedish_message_is_a_sentence_and_every_code_is_kebab_case() {
        let mut all: Vec<(&'static str, String)> = Vec::new();
        for a in Action::ALL {
            for s in Status::ALL {
                let r = Refusal::StepNotNow {
                    status: *s,
                    action: *a,
                };
                all.push((r.code(), r.sv()));
            }
            let r = Refusal::StepNotYours(*a);
            all.push((r.code(), r.sv()));
        }
        for p in [
            FieldProblem::Required,
            FieldProblem::OnlyForSettled,
            FieldProblem::MustBeFuture,
            FieldProblem::NothingToChange,
        ] {
            all.push((p.code(), p.sv()));
        }
        for c in Confirmation::all() {
            assert_eq!(
                Confirmation::from_code(c.code()),
                Some(c),
                "codes are unique"
            );
            all.push((c.code(), c.sv()));
        }
        for (code, sv) in all {
            assert!(
                code.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{code}"
            );
            assert!(sv.ends_with('.'), "{sv}");
            assert!(sv.chars().next().is_some_and(char::is_uppercase), "{sv}");
        }
    }
}
