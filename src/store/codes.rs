//! How the domain's codes are stored: as their text, on both backends, read back as the enum.
//! A row with a code the enum does not know fails to load (a damaged or newer database), so no
//! code travels through the service as a bare string.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::answer::BindingStatus;
use crate::domain::consistency::{CaseStatus, PossibleStatus};
use crate::domain::mail::{MailPreference, MailStatus, MailTemplate};
use crate::domain::question::{EventKind, Priority, StageOutcome, Status};
use crate::domain::sla::{RollupKind, SlaState};
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::service::Role;

macro_rules! stored_as_text {
    ($($t:ty),+ $(,)?) => {$(
        impl<DB> ToSql<Text, DB> for $t
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                Code::as_str(*self).to_sql(out)
            }
        }

        impl<DB> FromSql<Text, DB> for $t
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let s = String::from_sql(bytes)?;
                <$t as Code>::parse(&s)
                    .ok_or_else(|| format!("unknown {} '{s}'", stringify!($t)).into())
            }
        }

        impl<DB> Queryable<Text, DB> for $t
        where
            DB: Backend,
            $t: FromSql<Text, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<Text> for $t {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl AsExpression<Nullable<Text>> for $t {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Text> for &'a $t {
            type Expression = Bound<Text, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $t {
            type Expression = Bound<Nullable<Text>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<DB> ToSql<Nullable<Text>, DB> for $t
        where
            DB: Backend,
            $t: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                ToSql::<Text, DB>::to_sql(self, out)
            }
        }
    )+};
}

stored_as_text!(
    Status,
    Priority,
    Level,
    BindingStatus,
    CaseStatus,
    PossibleStatus,
    Role,
    EventKind,
    StageOutcome,
    SlaState,
    RollupKind,
    MailPreference,
    MailStatus,
    MailTemplate,
);
