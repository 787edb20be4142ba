//! Price selection, a pure function of the candidate prices and the context. Rules, in order:
//! 1. A price applies when its currency matches, its region (if any) is the context's, the quantity
//!    is within its `[min_quantity, max_quantity]`, and — for a price-list price — the list is active,
//!    inside its date window, and its customer groups (if any) include one of the customer's.
//! 2. The **original** price is the most specific applicable base price: region-specific beats
//!    currency-wide, a quantity tier beats an untiered price, then the lowest amount wins.
//! 3. An applicable **override** list price replaces the base price: it becomes the original and the
//!    calculated price (the lowest one, if several apply).
//! 4. Otherwise the **calculated** price is the lowest of the original and every applicable **sale**
//!    list price; ties keep the original.
//!    Every candidate gets one verdict, so the choice can be explained.

use time::OffsetDateTime;

/// `sale` lists discount the base price; `override` lists replace it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceListType {
    Sale,
    Override,
}

impl PriceListType {
    pub fn as_str(self) -> &'static str {
        match self {
            PriceListType::Sale => "sale",
            PriceListType::Override => "override",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sale" => Some(Self::Sale),
            "override" => Some(Self::Override),
            _ => None,
        }
    }
}

/// What a price list contributes to the decision.
#[derive(Debug, Clone, PartialEq)]
pub struct ListTerms {
    pub id: String,
    pub list_type: PriceListType,
    pub active: bool,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    /// Empty: everyone.
    pub customer_group_ids: Vec<String>,
}

/// One price of a variant's price set.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
    pub currency_code: String,
    /// Minor units.
    pub amount: i64,
    pub region_id: Option<String>,
    pub min_quantity: Option<i64>,
    pub max_quantity: Option<i64>,
    pub list: Option<ListTerms>,
}

/// Who is buying, where, how many, when.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    pub currency_code: String,
    pub region_id: Option<String>,
    pub quantity: i64,
    pub customer_group_ids: Vec<String>,
    pub now: OffsetDateTime,
}

/// Why a candidate did or did not win.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    WrongCurrency,
    OtherRegion,
    QuantityOutOfRange,
    ListInactive,
    ListNotStarted,
    ListEnded,
    CustomerGroupMismatch,
    /// Applicable, but another price won (with the winner's id).
    Outranked(String),
    ChosenAsOriginal,
    ChosenAsCalculated,
    ChosenAsBoth,
}

impl Verdict {
    pub fn describe(&self) -> String {
        match self {
            Verdict::WrongCurrency => "currency differs from the context's".into(),
            Verdict::OtherRegion => "priced for another region".into(),
            Verdict::QuantityOutOfRange => "quantity outside the price's min/max quantity".into(),
            Verdict::ListInactive => "price list is not active".into(),
            Verdict::ListNotStarted => "price list has not started".into(),
            Verdict::ListEnded => "price list has ended".into(),
            Verdict::CustomerGroupMismatch => {
                "price list is for customer groups the customer is not in".into()
            }
            Verdict::Outranked(by) => format!("applicable, but {by} won"),
            Verdict::ChosenAsOriginal => "chosen as the original price".into(),
            Verdict::ChosenAsCalculated => "chosen as the calculated price".into(),
            Verdict::ChosenAsBoth => "chosen as both original and calculated price".into(),
        }
    }
}

/// The decision: the original and calculated prices (indexes into the candidates), and a verdict
/// per candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub original: Option<usize>,
    pub calculated: Option<usize>,
    pub verdicts: Vec<Verdict>,
}

fn applicability(c: &Candidate, ctx: &Context) -> Option<Verdict> {
    if !c.currency_code.eq_ignore_ascii_case(&ctx.currency_code) {
        return Some(Verdict::WrongCurrency);
    }
    if let Some(region) = &c.region_id {
        if ctx.region_id.as_deref() != Some(region.as_str()) {
            return Some(Verdict::OtherRegion);
        }
    }
    if c.min_quantity.is_some_and(|m| ctx.quantity < m)
        || c.max_quantity.is_some_and(|m| ctx.quantity > m)
    {
        return Some(Verdict::QuantityOutOfRange);
    }
    if let Some(list) = &c.list {
        if !list.active {
            return Some(Verdict::ListInactive);
        }
        if list.starts_at.is_some_and(|s| ctx.now < s) {
            return Some(Verdict::ListNotStarted);
        }
        if list.ends_at.is_some_and(|e| ctx.now >= e) {
            return Some(Verdict::ListEnded);
        }
        if !list.customer_group_ids.is_empty()
            && !list
                .customer_group_ids
                .iter()
                .any(|g| ctx.customer_group_ids.contains(g))
        {
            return Some(Verdict::CustomerGroupMismatch);
        }
    }
    None
}

/// Higher is more specific.
fn specificity(c: &Candidate) -> (bool, bool) {
    (
        c.region_id.is_some(),
        c.min_quantity.is_some() || c.max_quantity.is_some(),
    )
}

/// The best of `indexes` by specificity, then lowest amount, then id (deterministic).
fn best(
    candidates: &[Candidate],
    indexes: impl Iterator<Item = usize>,
    by_specificity: bool,
) -> Option<usize> {
    indexes.min_by(|&a, &b| {
        let (ca, cb) = (&candidates[a], &candidates[b]);
        let spec = if by_specificity {
            specificity(cb).cmp(&specificity(ca))
        } else {
            std::cmp::Ordering::Equal
        };
        spec.then(ca.amount.cmp(&cb.amount)).then(ca.id.cmp(&cb.id))
    })
}

/// Chooses the original and calculated prices for `ctx`.
pub fn decide(candidates: &[Candidate], ctx: &Context) -> Decision {
    let mut verdicts: Vec<Option<Verdict>> =
        candidates.iter().map(|c| applicability(c, ctx)).collect();
    let applicable = |pred: &dyn Fn(&Candidate) -> bool| {
        candidates
            .iter()
            .enumerate()
            .filter(|(i, c)| verdicts[*i].is_none() && pred(c))
            .map(|(i, _)| i)
            .collect::<Vec<_>>()
    };
    let base = applicable(&|c| c.list.is_none());
    let overrides = applicable(&|c| {
        c.list
            .as_ref()
            .is_some_and(|l| l.list_type == PriceListType::Override)
    });
    let sales = applicable(&|c| {
        c.list
            .as_ref()
            .is_some_and(|l| l.list_type == PriceListType::Sale)
    });

    let (original, calculated) = if let Some(o) = best(candidates, overrides.iter().copied(), true)
    {
        (Some(o), Some(o))
    } else {
        let original = best(candidates, base.iter().copied(), true);
        let cheapest_sale = best(candidates, sales.iter().copied(), false);
        let calculated = match (original, cheapest_sale) {
            (Some(o), Some(s)) if candidates[s].amount < candidates[o].amount => Some(s),
            (Some(o), _) => Some(o),
            (None, s) => s,
        };
        (original, calculated)
    };

    let winner = calculated
        .or(original)
        .map(|i| candidates[i].id.clone())
        .unwrap_or_default();
    for (i, v) in verdicts.iter_mut().enumerate() {
        if v.is_some() {
            continue;
        }
        *v = Some(match (Some(i) == original, Some(i) == calculated) {
            (true, true) => Verdict::ChosenAsBoth,
            (true, false) => Verdict::ChosenAsOriginal,
            (false, true) => Verdict::ChosenAsCalculated,
            (false, false) => Verdict::Outranked(winner.clone()),
        });
    }
    Decision {
        original,
        calculated,
        verdicts: verdicts
            .into_iter()
            .map(|v| v.unwrap_or(Verdict::WrongCurrency))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    fn base(id: &str, cur: &str, amount: i64) -> Candidate {
        Candidate {
            id: id.into(),
            currency_code: cur.into(),
            amount,
            region_id: None,
            min_quantity: None,
            max_quantity: None,
            list: None,
        }
    }

    fn listed(id: &str, amount: i64, t: PriceListType, groups: &[&str]) -> Candidate {
        Candidate {
            list: Some(ListTerms {
                id: format!("pl_{id}"),
                list_type: t,
                active: true,
                starts_at: None,
                ends_at: None,
                customer_group_ids: groups.iter().map(|g| g.to_string()).collect(),
            }),
            ..base(id, "eur", amount)
        }
    }

    fn ctx() -> Context {
        Context {
            currency_code: "eur".into(),
            region_id: Some("reg_eu".into()),
            quantity: 1,
            customer_group_ids: vec![],
            now: now(),
        }
    }

    #[test]
    fn base_price_in_the_context_currency() {
        let c = vec![base("usd", "usd", 1200), base("eur", "eur", 1000)];
        let d = decide(&c, &ctx());
        assert_eq!((d.original, d.calculated), (Some(1), Some(1)));
        assert_eq!(d.verdicts[0], Verdict::WrongCurrency);
        assert_eq!(d.verdicts[1], Verdict::ChosenAsBoth);
    }

    #[test]
    fn region_price_beats_currency_price() {
        let mut regional = base("regional", "eur", 1100);
        regional.region_id = Some("reg_eu".into());
        let mut other = base("other", "eur", 900);
        other.region_id = Some("reg_other".into());
        let c = vec![base("plain", "eur", 1000), regional, other];
        let d = decide(&c, &ctx());
        assert_eq!(d.calculated, Some(1));
        assert_eq!(d.verdicts[2], Verdict::OtherRegion);
        assert_eq!(d.verdicts[0], Verdict::Outranked("regional".into()));
    }

    #[test]
    fn quantity_tiers() {
        let mut tier = base("tier", "eur", 800);
        tier.min_quantity = Some(10);
        let c = vec![base("plain", "eur", 1000), tier];
        assert_eq!(decide(&c, &ctx()).calculated, Some(0));
        let bulk = Context {
            quantity: 12,
            ..ctx()
        };
        assert_eq!(decide(&c, &bulk).calculated, Some(1));
    }

    #[test]
    fn sale_lists_lower_the_calculated_price_and_keep_the_original() {
        let c = vec![
            base("plain", "eur", 1000),
            listed("sale", 800, PriceListType::Sale, &[]),
        ];
        let d = decide(&c, &ctx());
        assert_eq!((d.original, d.calculated), (Some(0), Some(1)));
        // A "sale" that is not cheaper does not win.
        let c = vec![
            base("plain", "eur", 1000),
            listed("sale", 1200, PriceListType::Sale, &[]),
        ];
        assert_eq!(decide(&c, &ctx()).calculated, Some(0));
    }

    #[test]
    fn override_lists_replace_both_prices_even_when_dearer() {
        let c = vec![
            base("plain", "eur", 1000),
            listed("ovr", 1500, PriceListType::Override, &[]),
        ];
        let d = decide(&c, &ctx());
        assert_eq!((d.original, d.calculated), (Some(1), Some(1)));
    }

    #[test]
    fn customer_groups_and_windows_gate_lists() {
        let c = vec![
            base("plain", "eur", 1000),
            listed("vip", 700, PriceListType::Sale, &["cgrp_vip"]),
        ];
        assert_eq!(decide(&c, &ctx()).calculated, Some(0));
        let vip = Context {
            customer_group_ids: vec!["cgrp_vip".into()],
            ..ctx()
        };
        assert_eq!(decide(&c, &vip).calculated, Some(1));

        let mut ended = listed("old", 500, PriceListType::Sale, &[]);
        ended.list.as_mut().unwrap().ends_at = Some(now());
        let mut future = listed("soon", 400, PriceListType::Sale, &[]);
        future.list.as_mut().unwrap().starts_at = Some(now() + time::Duration::days(1));
        let mut draft = listed("draft", 300, PriceListType::Sale, &[]);
        draft.list.as_mut().unwrap().active = false;
        let c = vec![base("plain", "eur", 1000), ended, future, draft];
        let d = decide(&c, &ctx());
        assert_eq!(d.calculated, Some(0));
        assert_eq!(d.verdicts[1], Verdict::ListEnded, "end is exclusive");
        assert_eq!(d.verdicts[2], Verdict::ListNotStarted);
        assert_eq!(d.verdicts[3], Verdict::ListInactive);
    }

    #[test]
    fn no_applicable_price_means_no_price() {
        let d = decide(&[base("usd", "usd", 1)], &ctx());
        assert_eq!((d.original, d.calculated), (None, None));
    }
}
