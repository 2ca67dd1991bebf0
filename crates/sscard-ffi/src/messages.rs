//! Error descriptions for the output buffer: the meaning of the code in
//! Chinese (what the POS operator reads), then the library's own detail.

use sscard::Error;

/// The meaning of each code of spec 05 §5.5.
const MEANINGS: [(i32, &str); 49] = [
    (-1, "卡类型不对"),
    (-2, "无卡"),
    (-3, "有卡未上电"),
    (-4, "卡无应答"),
    (-5, "加载库失败"),
    (-11, "读卡器连接错误"),
    (-12, "未建立连接"),
    (-13, "不支持该操作"),
    (-14, "参数错误"),
    (-15, "校验和错误"),
    (-20, "卡识别码格式错误"),
    (-21, "内部认证失败（非法卡）"),
    (-22, "传入参数与卡内信息不一致"),
    (-23, "无效的输入数据"),
    (-24, "PSAM卡密钥级别不够"),
    (-31, "用户取消密码输入"),
    (-32, "密码输入超时"),
    (-33, "密码长度错误"),
    (-34, "两次输入的新密码不一致"),
    (-35, "密码为初始密码，请先修改密码"),
    (-36, "新密码不能为初始密码"),
    (-41, "数据含有非法字符"),
    (-42, "数据长度错误"),
    (-51, "密码错误"),
    (-52, "密码已锁定"),
    (-2201, "无PSAM卡"),
    (-2202, "PSAM卡不支持该算法"),
    (-2203, "PSAM卡无RKSSSE密钥"),
    (-2204, "无需加密机"),
    (-25536, "外部认证失败，剩余2次"),
    (-25537, "外部认证失败，剩余1次"),
    (-25538, "外部认证失败，剩余0次"),
    (-26368, "Lc/Le长度错误"),
    (-26881, "命令不被接受"),
    (-27009, "命令与文件结构不相容"),
    (-27010, "不满足安全状态"),
    (-27011, "认证方法锁定"),
    (-27012, "引用数据无效"),
    (-27013, "使用条件不满足"),
    (-27016, "安全报文数据项不正确（MAC错误）"),
    (-27264, "数据域参数错误"),
    (-27265, "功能不支持或卡、应用已锁定"),
    (-27266, "文件未找到"),
    (-27267, "记录未找到"),
    (-27272, "引用数据或密钥未找到"),
    (-37634, "MAC无效"),
    (-37635, "应用永久锁定"),
    (-37891, "PSAM卡不支持消费"),
    (-37894, "MAC或TAC不可用"),
];

/// The description written on failure: `meaning：detail`; for a wrong PIN
/// the tries left are in the meaning (`密码错误，剩余2次`).
pub fn describe(e: &Error) -> String {
    let code = e.code();
    let meaning = match e {
        Error::WrongPin { tries } => format!("密码错误，剩余{tries}次"),
        _ => MEANINGS
            .iter()
            .find(|(c, _)| *c == code)
            .map_or_else(|| "卡片返回错误".to_owned(), |(_, m)| (*m).to_owned()),
    };
    format!("{meaning}：{e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_once_and_the_tries_left() {
        let mut codes: Vec<i32> = MEANINGS.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), MEANINGS.len());
        assert_eq!(
            describe(&Error::WrongPin { tries: 2 }),
            "密码错误，剩余2次：wrong PIN, 2 tries left"
        );
        assert!(
            describe(&Error::CardMismatch("x".into())).starts_with("传入参数与卡内信息不一致：")
        );
    }
}
