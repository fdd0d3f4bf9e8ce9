//! How money moved: the payment channel of a transaction.

use std::fmt;
use std::str::FromStr;

use crate::serde_str::serde_via_str;

/// The channel a transaction used. The text form is kebab-case (`bank-transfer`, `khqr`, `crypto-off-ramp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// An account-to-account credit transfer (wire, ACH, RTGS, SWIFT).
    BankTransfer,
    /// An instant payment on a scheme not named below (FAST, Bakong transfer, ...).
    Instant,
    /// Cambodia's KHQR (Bakong) QR payment.
    Khqr,
    /// Malaysia's DuitNow instant transfer or QR.
    DuitNow,
    /// Singapore's PayNow.
    PayNow,
    /// Thailand's PromptPay.
    PromptPay,
    /// A card payment.
    Card,
    /// Cash paid into an account (branch, agent, ATM).
    CashDeposit,
    /// Cash taken out of an account (branch, agent, ATM).
    CashWithdrawal,
    /// A transfer inside a mobile-money or e-wallet provider (Wing, TrueMoney, GrabPay, ...).
    MobileWallet,
    /// Fiat to crypto: buying crypto at an exchange or OTC desk.
    CryptoOnRamp,
    /// Crypto to fiat: selling crypto into a bank or wallet account.
    CryptoOffRamp,
    /// A transfer on a blockchain (Bitcoin, Tron TRC-20, ...).
    OnChain,
    /// A cheque.
    Cheque,
    /// A book transfer inside one institution (reinvestment, sweep, own-account move).
    Internal,
}

/// Every channel with its text form, in declaration order.
const NAMES: &[(Channel, &str)] = &[
    (Channel::BankTransfer, "bank-transfer"),
    (Channel::Instant, "instant"),
    (Channel::Khqr, "khqr"),
    (Channel::DuitNow, "duitnow"),
    (Channel::PayNow, "paynow"),
    (Channel::PromptPay, "promptpay"),
    (Channel::Card, "card"),
    (Channel::CashDeposit, "cash-deposit"),
    (Channel::CashWithdrawal, "cash-withdrawal"),
    (Channel::MobileWallet, "mobile-wallet"),
    (Channel::CryptoOnRamp, "crypto-on-ramp"),
    (Channel::CryptoOffRamp, "crypto-off-ramp"),
    (Channel::OnChain, "on-chain"),
    (Channel::Cheque, "cheque"),
    (Channel::Internal, "internal"),
];

/// A text that names no channel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown channel {0:?} (expected one of: {list})", list = Channel::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "))]
pub struct UnknownChannel(pub String);

impl Channel {
    /// All channels.
    pub const ALL: [Channel; 15] = [
        Channel::BankTransfer,
        Channel::Instant,
        Channel::Khqr,
        Channel::DuitNow,
        Channel::PayNow,
        Channel::PromptPay,
        Channel::Card,
        Channel::CashDeposit,
        Channel::CashWithdrawal,
        Channel::MobileWallet,
        Channel::CryptoOnRamp,
        Channel::CryptoOffRamp,
        Channel::OnChain,
        Channel::Cheque,
        Channel::Internal,
    ];

    /// The kebab-case name.
    pub fn as_str(&self) -> &'static str {
        NAMES[*self as usize].1
    }

    /// Instant and QR payment schemes: money that arrives in seconds and cannot be recalled.
    pub fn is_instant(&self) -> bool {
        matches!(self, Channel::Instant | Channel::Khqr | Channel::DuitNow | Channel::PayNow | Channel::PromptPay)
    }

    /// Cash in or out.
    pub fn is_cash(&self) -> bool {
        matches!(self, Channel::CashDeposit | Channel::CashWithdrawal)
    }

    /// Crossing into, out of or along a blockchain.
    pub fn is_crypto(&self) -> bool {
        matches!(self, Channel::CryptoOnRamp | Channel::CryptoOffRamp | Channel::OnChain)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = UnknownChannel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NAMES.iter().find(|(_, name)| *name == s).map(|(c, _)| *c).ok_or_else(|| UnknownChannel(s.to_owned()))
    }
}

serde_via_str!(Channel);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_line_up() {
        for (i, channel) in Channel::ALL.iter().enumerate() {
            assert_eq!(NAMES[i].0, *channel);
            assert_eq!(channel.as_str().parse::<Channel>().unwrap(), *channel);
        }
        assert!("wire".parse::<Channel>().is_err());
    }

    #[test]
    fn families() {
        assert!(Channel::Khqr.is_instant());
        assert!(!Channel::BankTransfer.is_instant());
        assert!(Channel::CashWithdrawal.is_cash());
        assert!(Channel::CryptoOffRamp.is_crypto());
    }
}
