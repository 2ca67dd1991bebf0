//! One JSON request: a function of the reader interface with its inputs
//! by their interface names (`{"function":"iReadCardBas","iType":3}`,
//! answered `{"code":0,"out":"…"}` exactly as `libssse32` fills
//! `pOutInfo`), or a typed operation (`{"op":"read_basic_info","iType":3}`,
//! answered `{"code":0,"result":{…}}`). An `id` is echoed.

use serde::Deserialize;
use serde_json::{json, Value};
use ssse32::named::{self, Args};

use crate::error::Refusal;

/// The typed operations.
pub const OPS: [&str; 3] = ["read_basic_info", "verify_pin", "read_card_number"];

/// A request as it arrives.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    // Read before (a wrong type elsewhere still echoes it); here so that
    // it is not an unknown field.
    #[serde(rename = "id", default)]
    _id: Option<Value>,
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    op: Option<String>,
    #[serde(rename = "iType", default)]
    i_type: Option<i32>,
    #[serde(rename = "iAuthType", default)]
    i_auth_type: Option<i32>,
    #[serde(rename = "pCardInfo", default)]
    card_info: Option<String>,
    #[serde(rename = "pFileAddr", default)]
    file_addr: Option<String>,
    #[serde(rename = "pWriteData", default)]
    write_data: Option<String>,
    #[serde(rename = "pPayInfo", default)]
    pay_info: Option<String>,
    #[serde(rename = "pKey", default)]
    key: Option<String>,
}

/// What to run.
#[derive(Debug)]
enum What {
    Function(&'static str),
    Op(&'static str),
}

/// A checked request.
#[derive(Debug)]
pub struct Request {
    id: Option<Value>,
    what: What,
    args: Args,
}

/// A refusal with the request's id (when it had one).
pub fn refuse(id: Option<&Value>, r: Refusal, message: &str) -> Value {
    let mut v = r.json(message);
    if let (Some(id), Some(m)) = (id, v.as_object_mut()) {
        m.insert("id".into(), id.clone());
    }
    v
}

impl Request {
    /// Parses `body`; nothing runs for a body that does not check.
    ///
    /// # Errors
    /// The refusal's JSON: `bad_json`, `wrong_type` (a field of the wrong
    /// type, an unknown field, neither or both of `function` and `op`, an
    /// input the function does not take), `unknown_function`.
    pub fn parse(body: &[u8]) -> Result<Self, Value> {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| refuse(None, Refusal::BadJson, &format!("not JSON: {e}")))?;
        if !v.is_object() {
            return Err(refuse(None, Refusal::BadJson, "a request is a JSON object"));
        }
        let id = v.get("id").cloned();
        let raw: Raw = serde_json::from_value(v)
            .map_err(|e| refuse(id.as_ref(), Refusal::WrongType, &e.to_string()))?;
        let wrong = |m: &str| refuse(id.as_ref(), Refusal::WrongType, m);
        let what = match (&raw.function, &raw.op) {
            (Some(f), None) => {
                let name = named::FUNCTIONS
                    .iter()
                    .find(|n| **n == f.as_str())
                    .ok_or_else(|| {
                        refuse(
                            id.as_ref(),
                            Refusal::UnknownFunction,
                            "not a function of the reader interface (GET /api/functions lists them)",
                        )
                    })?;
                What::Function(name)
            }
            (None, Some(o)) => {
                What::Op(OPS.iter().find(|n| **n == o.as_str()).ok_or_else(|| {
                    refuse(
                        id.as_ref(),
                        Refusal::UnknownFunction,
                        "not a typed operation (GET /api/functions lists them)",
                    )
                })?)
            }
            _ => return Err(wrong("give either \"function\" or \"op\"")),
        };
        let takes: &[&str] = match &what {
            What::Function(f) => named::inputs(f).unwrap_or(&[]),
            What::Op(_) => &["iType"],
        };
        let given = [
            ("iType", raw.i_type.is_some()),
            ("iAuthType", raw.i_auth_type.is_some()),
            ("pCardInfo", raw.card_info.is_some()),
            ("pFileAddr", raw.file_addr.is_some()),
            ("pWriteData", raw.write_data.is_some()),
            ("pPayInfo", raw.pay_info.is_some()),
            ("pKey", raw.key.is_some()),
        ];
        for (name, present) in given {
            if present && !takes.contains(&name) {
                return Err(wrong(&format!("{name} is not an input of this function")));
            }
            if !present && takes.contains(&name) {
                return Err(wrong(&format!("{name} is missing")));
            }
        }
        Ok(Self {
            id,
            what,
            args: Args {
                i_type: raw.i_type.unwrap_or(0),
                i_auth_type: raw.i_auth_type.unwrap_or(0),
                card_info: raw.card_info,
                file_addr: raw.file_addr,
                write_data: raw.write_data,
                pay_info: raw.pay_info,
                key: raw.key.map(zeroize::Zeroizing::new),
            },
        })
    }

    /// The function's or operation's name (for the log).
    pub fn name(&self) -> &'static str {
        match self.what {
            What::Function(f) | What::Op(f) => f,
        }
    }

    /// The request's id.
    pub fn id(&self) -> Option<&Value> {
        self.id.as_ref()
    }

    /// Runs it (on the card thread): the answer.
    pub fn execute(&self) -> Value {
        let mut v = match self.what {
            What::Function(f) => match named::run(f, &self.args) {
                Ok(out) => json!({"code": 0, "out": out.as_str()}),
                Err(e) => json!({"code": e.code(), "out": ssse32::describe(&e)}),
            },
            What::Op(op) => match typed(op, self.args.i_type) {
                Ok(result) => json!({"code": 0, "result": result}),
                Err(e) => json!({"code": e.code(), "message": ssse32::describe(&e)}),
            },
        };
        if let (Some(id), Some(m)) = (&self.id, v.as_object_mut()) {
            m.insert("id".into(), id.clone());
        }
        v
    }
}

/// A typed operation's result.
fn typed(op: &'static str, i_type: i32) -> Result<Value, sscard::Error> {
    match op {
        "read_basic_info" => named::typed(op, i_type, |t| {
            let b = t.read_basic_info()?;
            Ok(json!({
                "area_code": b.area_code,
                "ssn": b.ssn,
                "card_number": b.card_number,
                "card_id": b.card_id,
                "name": b.name,
                "historical_bytes": b.historical_bytes,
                "spec_version": b.spec_version,
                "issue_date": b.issue_date,
                "expiry_date": b.expiry_date,
                "terminal_number": b.terminal_number,
                "device_number": b.device_number,
            }))
        }),
        "verify_pin" => named::typed(op, i_type, |t| {
            t.verify_pin()?;
            Ok(json!({"verified": true}))
        }),
        _ => named::typed(op, i_type, |t| Ok(json!({"pan": t.read_pan()?}))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str) -> String {
        Request::parse(body.as_bytes())
            .err()
            .map(|v| format!("{} {}", v["error"], v["id"]))
            .unwrap_or_default()
    }

    #[test]
    fn bad_requests_are_named() {
        assert_eq!(err("{"), "\"bad_json\" null");
        assert_eq!(err("[1]"), "\"bad_json\" null");
        assert_eq!(
            err(r#"{"id":7,"function":"iReadCardBas","iType":"3"}"#),
            "\"wrong_type\" 7"
        );
        assert_eq!(
            err(r#"{"id":"a","function":"iFormat","iType":3}"#),
            "\"unknown_function\" \"a\""
        );
        assert_eq!(err(r#"{"function":"iReadCardBas"}"#), "\"wrong_type\" null");
        assert_eq!(
            err(r#"{"function":"iReadCardBas","iType":3,"pKey":"x"}"#),
            "\"wrong_type\" null"
        );
        assert_eq!(err(r#"{"iType":3}"#), "\"wrong_type\" null");
        assert_eq!(
            err(r#"{"function":"iReadCardBas","op":"verify_pin","iType":3}"#),
            "\"wrong_type\" null"
        );
        assert_eq!(
            err(r#"{"function":"iReadCardBas","iType":3,"x":1}"#),
            "\"wrong_type\" null"
        );
        assert!(Request::parse(br#"{"function":"iReadCardBas","iType":3}"#).is_ok());
        assert!(Request::parse(br#"{"op":"read_basic_info","iType":1}"#).is_ok());
    }
}
