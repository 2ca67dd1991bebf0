//! The reader interface's codes (spec 05 §5.5) in one table: the code,
//! a name for programs (JSON answers, logs), and the meaning in Chinese
//! that a POS operator reads. [`crate::Error::code`] maps each error to
//! its code; the C ABI and the localhost service describe errors from
//! this table.

/// Code, name, meaning.
pub const TABLE: [(i32, &str, &str); 49] = [
    (-1, "wrong_card_type", "卡类型不对"),
    (-2, "no_card", "无卡"),
    (-3, "not_powered", "有卡未上电"),
    (-4, "card_mute", "卡无应答"),
    (-5, "library_load_failed", "加载库失败"),
    (-11, "reader_error", "读卡器连接错误"),
    (-12, "no_connection", "未建立连接"),
    (-13, "not_supported", "不支持该操作"),
    (-14, "bad_argument", "参数错误"),
    (-15, "checksum", "校验和错误"),
    (-20, "bad_card_id", "卡识别码格式错误"),
    (-21, "not_genuine", "内部认证失败（非法卡）"),
    (-22, "card_mismatch", "传入参数与卡内信息不一致"),
    (-23, "invalid_input", "无效的输入数据"),
    (-24, "psam_key_level", "PSAM卡密钥级别不够"),
    (-31, "pin_cancelled", "用户取消密码输入"),
    (-32, "pin_timeout", "密码输入超时"),
    (-33, "pin_length", "密码长度错误"),
    (-34, "pin_mismatch", "两次输入的新密码不一致"),
    (-35, "initial_pin", "密码为初始密码，请先修改密码"),
    (-36, "initial_pin_reused", "新密码不能为初始密码"),
    (-41, "illegal_characters", "数据含有非法字符"),
    (-42, "data_length", "数据长度错误"),
    (-51, "wrong_pin", "密码错误"),
    (-52, "pin_blocked", "密码已锁定"),
    (-2201, "no_psam", "无PSAM卡"),
    (-2202, "psam_algorithm", "PSAM卡不支持该算法"),
    (-2203, "psam_no_rkssse", "PSAM卡无RKSSSE密钥"),
    (-2204, "no_key_server_needed", "无需加密机"),
    (-25536, "external_auth_2_left", "外部认证失败，剩余2次"),
    (-25537, "external_auth_1_left", "外部认证失败，剩余1次"),
    (-25538, "external_auth_0_left", "外部认证失败，剩余0次"),
    (-26368, "wrong_length", "Lc/Le长度错误"),
    (-26881, "command_not_accepted", "命令不被接受"),
    (-27009, "incompatible_file", "命令与文件结构不相容"),
    (-27010, "security_not_satisfied", "不满足安全状态"),
    (-27011, "auth_method_blocked", "认证方法锁定"),
    (-27012, "reference_data_invalid", "引用数据无效"),
    (-27013, "conditions_not_satisfied", "使用条件不满足"),
    (
        -27016,
        "sm_data_incorrect",
        "安全报文数据项不正确（MAC错误）",
    ),
    (-27264, "wrong_data", "数据域参数错误"),
    (
        -27265,
        "not_supported_or_locked",
        "功能不支持或卡、应用已锁定",
    ),
    (-27266, "file_not_found", "文件未找到"),
    (-27267, "record_not_found", "记录未找到"),
    (-27272, "reference_data_not_found", "引用数据或密钥未找到"),
    (-37634, "mac_invalid", "MAC无效"),
    (-37635, "application_blocked", "应用永久锁定"),
    (-37891, "psam_no_purchase", "PSAM卡不支持消费"),
    (-37894, "mac_tac_unavailable", "MAC或TAC不可用"),
];

/// The table's row for `code`.
pub fn row(code: i32) -> Option<(i32, &'static str, &'static str)> {
    TABLE.iter().copied().find(|(c, _, _)| *c == code)
}

/// The description a caller shows on failure: `meaning：detail`; for a
/// wrong PIN the tries left are in the meaning (`密码错误，剩余2次`); a
/// card status the table lacks reads `卡片返回错误`.
pub fn describe(e: &crate::Error) -> String {
    let meaning = match e {
        crate::Error::WrongPin { tries } => format!("密码错误，剩余{tries}次"),
        _ => row(e.code()).map_or_else(|| "卡片返回错误".to_owned(), |(_, _, m)| m.to_owned()),
    };
    format!("{meaning}：{e}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn every_code_and_name_once_and_the_tries_left() {
        for (i, (c, n, _)) in TABLE.iter().enumerate() {
            assert!(
                TABLE[i + 1..].iter().all(|(c2, n2, _)| c2 != c && n2 != n),
                "{c} {n}"
            );
        }
        assert_eq!(
            describe(&Error::WrongPin { tries: 2 }),
            "密码错误，剩余2次：wrong PIN, 2 tries left"
        );
        assert!(
            describe(&Error::CardMismatch("x".into())).starts_with("传入参数与卡内信息不一致：")
        );
        assert_eq!(row(-2).map(|r| r.1), Some("no_card"));
    }
}
