//! The security module a configuration chose: a PSAM in any transport (a
//! PC/SC reader, a simulated PSAM), master keys from a file (tests only), or
//! none, the key-server mode, where every key operation fails with -2201 so
//! that the caller turns to the `_HSM_` steps.

use super::psam::PsamModule;
use super::software::SoftwareModule;
use super::{CardId, Mac1Request, Scheme, SecurityModule};
use crate::error::{Error, Result};
use crate::transport::Transport;

/// One of the modules.
pub enum AnyModule {
    /// A PSAM.
    Psam(PsamModule<Box<dyn Transport + Send>>),
    /// Keys from a file (tests and CI only).
    Software(SoftwareModule),
    /// No module: why (for the -2201 message).
    None(String),
}

impl AnyModule {
    fn module(&mut self) -> Result<&mut dyn SecurityModule> {
        match self {
            AnyModule::Psam(m) => Ok(m),
            AnyModule::Software(m) => Ok(m),
            AnyModule::None(why) => Err(Error::NoPsam(why.clone())),
        }
    }
}

impl SecurityModule for AnyModule {
    fn terminal_number(&mut self) -> Result<[u8; 6]> {
        match self {
            // Without a PSAM the terminal number is twelve 0 digits (spec 05 §5.2).
            AnyModule::None(_) => Ok([0; 6]),
            m => m.module()?.terminal_number(),
        }
    }
    fn terminal_random(&mut self) -> Result<[u8; 8]> {
        match self {
            AnyModule::None(_) => super::host_random(),
            m => m.module()?.terminal_random(),
        }
    }
    fn auth_data(
        &mut self,
        s: Scheme,
        a: u16,
        c: &CardId,
        r1: &[u8; 8],
        r2: &[u8; 8],
    ) -> Result<[u8; 8]> {
        self.module()?.auth_data(s, a, c, r1, r2)
    }
    fn sm_mac(&mut self, s: Scheme, a: u16, c: &CardId, ch: &[u8; 8], d: &[u8]) -> Result<[u8; 4]> {
        self.module()?.sm_mac(s, a, c, ch, d)
    }
    fn sm_encrypt(
        &mut self,
        s: Scheme,
        a: u16,
        c: &CardId,
        ch: &[u8; 8],
        b: &[u8],
    ) -> Result<Vec<u8>> {
        self.module()?.sm_encrypt(s, a, c, ch, b)
    }
    fn mac1(&mut self, r: &Mac1Request) -> Result<([u8; 4], [u8; 4])> {
        self.module()?.mac1(r)
    }
    fn verify_mac2(&mut self, mac2: &[u8; 4]) -> Result<()> {
        self.module()?.verify_mac2(mac2)
    }
}
