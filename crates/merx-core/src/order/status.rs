//! An order's payment and fulfillment status, derived from its payment and its lines as Medusa
//! derives them (the values of Medusa's `PaymentStatus` and `FulfillmentStatus`).

use super::Order;
use crate::payment::Collection;

/// Where an order's money stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    NotPaid,
    Authorized,
    PartiallyCaptured,
    Captured,
    PartiallyRefunded,
    Refunded,
    Canceled,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::NotPaid => "not_paid",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::PartiallyCaptured => "partially_captured",
            PaymentStatus::Captured => "captured",
            PaymentStatus::PartiallyRefunded => "partially_refunded",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::Canceled => "canceled",
        }
    }

    /// The status of an order whose total is `total` and whose payment collection is `collection`.
    pub fn of(total: i64, collection: Option<&Collection>) -> PaymentStatus {
        let Some(c) = collection else {
            return PaymentStatus::NotPaid;
        };
        let (captured, refunded) = (c.captured_amount, c.refunded_amount);
        match c.status.as_str() {
            "canceled" => PaymentStatus::Canceled,
            _ if refunded > 0 && refunded >= captured => PaymentStatus::Refunded,
            _ if refunded > 0 => PaymentStatus::PartiallyRefunded,
            "authorized" | "completed" if captured > 0 && captured >= total => {
                PaymentStatus::Captured
            }
            _ if captured > 0 => PaymentStatus::PartiallyCaptured,
            "authorized" => PaymentStatus::Authorized,
            _ => PaymentStatus::NotPaid,
        }
    }
}

/// Where an order's goods stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FulfillmentStatus {
    NotFulfilled,
    PartiallyFulfilled,
    Fulfilled,
    PartiallyShipped,
    Shipped,
    Canceled,
}

impl FulfillmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FulfillmentStatus::NotFulfilled => "not_fulfilled",
            FulfillmentStatus::PartiallyFulfilled => "partially_fulfilled",
            FulfillmentStatus::Fulfilled => "fulfilled",
            FulfillmentStatus::PartiallyShipped => "partially_shipped",
            FulfillmentStatus::Shipped => "shipped",
            FulfillmentStatus::Canceled => "canceled",
        }
    }

    /// The status of `order` from its lines' fulfilled and shipped quantities.
    pub fn of(order: &Order) -> FulfillmentStatus {
        let sum = |f: fn(&super::OrderItem) -> i64| order.items.iter().map(f).sum::<i64>();
        let (qty, fulfilled, shipped) = (
            sum(|i| i.quantity),
            sum(|i| i.fulfilled_quantity),
            sum(|i| i.shipped_quantity),
        );
        match () {
            _ if order.canceled_at.is_some() => FulfillmentStatus::Canceled,
            _ if qty > 0 && shipped >= qty => FulfillmentStatus::Shipped,
            _ if shipped > 0 => FulfillmentStatus::PartiallyShipped,
            _ if qty > 0 && fulfilled >= qty => FulfillmentStatus::Fulfilled,
            _ if fulfilled > 0 => FulfillmentStatus::PartiallyFulfilled,
            _ => FulfillmentStatus::NotFulfilled,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection(status: &str, captured: i64, refunded: i64) -> Collection {
        let at = merx_types::time::now();
        Collection {
            id: "pay_col".into(),
            cart_id: "cart".into(),
            currency_code: "eur".into(),
            amount: 1000,
            status: status.into(),
            authorized_amount: 1000,
            captured_amount: captured,
            refunded_amount: refunded,
            completed_at: None,
            created_at: at,
            updated_at: at,
            sessions: Vec::new(),
        }
    }

    #[test]
    fn payment_status_follows_the_money() {
        let of = |s, c, r| PaymentStatus::of(1000, Some(&collection(s, c, r))).as_str();
        assert_eq!(PaymentStatus::of(1000, None).as_str(), "not_paid");
        assert_eq!(of("authorized", 0, 0), "authorized");
        assert_eq!(of("authorized", 400, 0), "partially_captured");
        assert_eq!(of("completed", 1000, 0), "captured");
        assert_eq!(of("completed", 1000, 300), "partially_refunded");
        assert_eq!(of("completed", 1000, 1000), "refunded");
        assert_eq!(of("canceled", 0, 0), "canceled");
        assert_eq!(of("canceled", 1000, 1000), "canceled");
        assert_eq!(of("awaiting", 0, 0), "not_paid");
    }
}
