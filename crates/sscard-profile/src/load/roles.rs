//! `[roles]`: which PIN, key and file plays each part. Every role has the
//! name the public cards use as its default; a role named explicitly must
//! exist, and a user card must have its holder PIN and internal key.

use crate::error::Result;
use crate::model::{CardKind, EfKind, PkiRoles, Profile, Roles};
use crate::raw::{self, S};

use super::Checker;

/// A role's name: the profile's, or the default.
fn name(given: Option<&S<String>>, default: &str) -> String {
    given.map_or_else(|| default.to_owned(), |s| s.get_ref().clone())
}

impl Checker<'_> {
    pub(super) fn roles(&self, r: Option<&raw::Roles>, p: &Profile) -> Result<Roles> {
        let none = raw::Roles::default();
        let r = r.unwrap_or(&none);
        let user = p.card.kind == CardKind::User;
        // A role named in [roles] must exist; a default one must exist
        // where `role` (the [roles] field and what it is) says it is needed.
        // `kind` is `pin` or `key`: which table the name is looked up in.
        let named = |kind: &str,
                     given: Option<&S<String>>,
                     default: &str,
                     role: Option<(&str, &str)>|
         -> Result<String> {
            let n = name(given, default);
            let (exists, what_kind) = match kind {
                "pin" => (p.pin(&n).is_some(), "PIN"),
                _ => (p.key(&n).is_some(), "key"),
            };
            match (exists, given, role) {
                (true, _, _) | (false, None, None) => Ok(n),
                (false, Some(s), _) => Err(self.bad(
                    s,
                    "roles",
                    format!("{what_kind} {n} is not in the {what_kind} table"),
                )),
                (false, None, Some((field, what))) => Err(self.l.invalid(
                    0..0,
                    "roles",
                    format!("this card needs {what}: add a [[{kind}]] named {n} or name another in [roles] {field}"),
                )),
            }
        };
        let pin = |given, default, role| named("pin", given, default, role);
        let key = |given, default, role| named("key", given, default, role);
        let needed = |field, what| user.then_some((field, what));
        let holder_pin = pin(
            r.holder_pin.as_ref(),
            "holder",
            needed("holder_pin", "a holder PIN"),
        )?;
        let internal_key = key(
            r.internal_key.as_ref(),
            "IRK",
            needed("internal_key", "an internal authentication key"),
        )?;
        let application_key = key(r.application_key.as_ref(), "RKSSSE", None)?;
        let certificate = name(r.signing_certificate.as_ref(), "PKI/ADF1/0018");
        let pki = match (p.ef(&certificate), &r.signing_certificate) {
            (Some(ef), _) => {
                if !matches!(ef.kind, EfKind::Transparent { .. }) {
                    let at = r.signing_certificate.as_ref();
                    let msg = format!("{certificate} holds a certificate: it must be transparent");
                    return Err(match at {
                        Some(s) => self.bad(s, "roles", msg),
                        None => self.l.invalid(0..0, "roles", msg),
                    });
                }
                let public_key = name(
                    r.signing_public_key.as_ref(),
                    &format!("{}/0012", crate::model::parent_of(&certificate)),
                );
                if p.ef(&public_key).is_none() {
                    let msg =
                        format!("the signing public key file {public_key} is not in the profile");
                    return Err(match &r.signing_public_key {
                        Some(s) => self.bad(s, "roles", msg),
                        None => self.l.invalid(0..0, "roles", msg),
                    });
                }
                Some(PkiRoles {
                    user_pin: pin(
                        r.pki_user_pin.as_ref(),
                        "pki_user",
                        Some(("pki_user_pin", "a PKI user PIN")),
                    )?,
                    admin_pin: pin(
                        r.pki_admin_pin.as_ref(),
                        "pki_admin",
                        Some(("pki_admin_pin", "a PKI administrator PIN")),
                    )?,
                    signing_certificate: certificate,
                    signing_public_key: public_key,
                })
            }
            (None, Some(s)) => {
                return Err(self.bad(s, "roles", format!("no EF {certificate} in the profile")))
            }
            (None, None) => None,
        };
        Ok(Roles {
            holder_pin,
            internal_key,
            application_key,
            pki,
        })
    }
}
