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
        // A role named in [roles] must exist; a default one must exist on
        // a user card for the holder PIN and the internal key.
        // `role`: the [roles] field and what it is, for the message.
        let pin = |given: Option<&S<String>>,
                   default: &str,
                   role: Option<(&str, &str)>|
         -> Result<String> {
            let n = name(given, default);
            match (p.pin(&n).is_some(), given) {
                (true, _) => Ok(n),
                (false, Some(s)) => Err(self.bad(s, "roles", format!("PIN {n} is not in the PIN table"))),
                (false, None) => match role {
                    Some((field, what)) => Err(self.l.invalid(
                        0..0,
                        "roles",
                        format!("this card needs {what}: add a [[pin]] named {n} or name another in [roles] {field}"),
                    )),
                    None => Ok(n),
                },
            }
        };
        let key = |given: Option<&S<String>>,
                   default: &str,
                   role: Option<(&str, &str)>|
         -> Result<String> {
            let n = name(given, default);
            match (p.key(&n).is_some(), given) {
                (true, _) => Ok(n),
                (false, Some(s)) => Err(self.bad(s, "roles", format!("key {n} is not in the key table"))),
                (false, None) => match role {
                    Some((field, what)) => Err(self.l.invalid(
                        0..0,
                        "roles",
                        format!("this card needs {what}: add a [[key]] named {n} or name another in [roles] {field}"),
                    )),
                    None => Ok(n),
                },
            }
        };
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
