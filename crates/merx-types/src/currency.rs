//! ISO 4217 currencies: code, display data and the number of minor-unit digits that decides rounding.

/// A currency as Medusa's `/store/currencies` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency {
    /// Lower-case ISO 4217 code, as Medusa writes it (`eur`).
    pub code: &'static str,
    pub name: &'static str,
    pub symbol: &'static str,
    pub symbol_native: &'static str,
    /// Digits after the decimal point in the minor unit (JPY 0, EUR 2, KWD 3).
    pub decimal_digits: u32,
}

const fn c(
    code: &'static str,
    name: &'static str,
    symbol: &'static str,
    symbol_native: &'static str,
    decimal_digits: u32,
) -> Currency {
    Currency {
        code,
        name,
        symbol,
        symbol_native,
        decimal_digits,
    }
}

/// The currencies Merx knows, sorted by code.
pub static CURRENCIES: &[Currency] = &[
    c(
        "aed",
        "United Arab Emirates Dirham",
        "AED",
        "د.إ.\u{200f}",
        2,
    ),
    c("ars", "Argentine Peso", "AR$", "$", 2),
    c("aud", "Australian Dollar", "AU$", "$", 2),
    c("bgn", "Bulgarian Lev", "BGN", "лв.", 2),
    c("bhd", "Bahraini Dinar", "BD", "د.ب.\u{200f}", 3),
    c("brl", "Brazilian Real", "R$", "R$", 2),
    c("cad", "Canadian Dollar", "CA$", "$", 2),
    c("chf", "Swiss Franc", "CHF", "CHF", 2),
    c("clp", "Chilean Peso", "CL$", "$", 0),
    c("cny", "Chinese Yuan", "CN¥", "CN¥", 2),
    c("cop", "Colombian Peso", "CO$", "$", 2),
    c("czk", "Czech Republic Koruna", "Kč", "Kč", 2),
    c("dkk", "Danish Krone", "Dkr", "kr", 2),
    c("egp", "Egyptian Pound", "EGP", "ج.م.\u{200f}", 2),
    c("eur", "Euro", "€", "€", 2),
    c("gbp", "British Pound Sterling", "£", "£", 2),
    c("hkd", "Hong Kong Dollar", "HK$", "$", 2),
    c("huf", "Hungarian Forint", "Ft", "Ft", 2),
    c("idr", "Indonesian Rupiah", "Rp", "Rp", 2),
    c("ils", "Israeli New Sheqel", "₪", "₪", 2),
    c("inr", "Indian Rupee", "Rs", "টকা", 2),
    c("iqd", "Iraqi Dinar", "IQD", "د.ع.\u{200f}", 3),
    c("isk", "Icelandic Króna", "Ikr", "kr", 0),
    c("jod", "Jordanian Dinar", "JD", "د.أ.\u{200f}", 3),
    c("jpy", "Japanese Yen", "¥", "￥", 0),
    c("krw", "South Korean Won", "₩", "₩", 0),
    c("kwd", "Kuwaiti Dinar", "KD", "د.ك.\u{200f}", 3),
    c("lyd", "Libyan Dinar", "LD", "د.ل.\u{200f}", 3),
    c("mad", "Moroccan Dirham", "MAD", "د.م.\u{200f}", 2),
    c("mxn", "Mexican Peso", "MX$", "$", 2),
    c("myr", "Malaysian Ringgit", "RM", "RM", 2),
    c("ngn", "Nigerian Naira", "₦", "₦", 2),
    c("nok", "Norwegian Krone", "Nkr", "kr", 2),
    c("nzd", "New Zealand Dollar", "NZ$", "$", 2),
    c("omr", "Omani Rial", "OMR", "ر.ع.\u{200f}", 3),
    c("php", "Philippine Peso", "₱", "₱", 2),
    c("pln", "Polish Zloty", "zł", "zł", 2),
    c("ron", "Romanian Leu", "RON", "RON", 2),
    c("rsd", "Serbian Dinar", "din.", "дин.", 2),
    c("sar", "Saudi Riyal", "SR", "ر.س.\u{200f}", 2),
    c("sek", "Swedish Krona", "Skr", "kr", 2),
    c("sgd", "Singapore Dollar", "S$", "$", 2),
    c("thb", "Thai Baht", "฿", "฿", 2),
    c("tnd", "Tunisian Dinar", "DT", "د.ت.\u{200f}", 3),
    c("try", "Turkish Lira", "TL", "TL", 2),
    c("twd", "New Taiwan Dollar", "NT$", "NT$", 2),
    c("uah", "Ukrainian Hryvnia", "₴", "₴", 2),
    c("usd", "US Dollar", "$", "$", 2),
    c("vnd", "Vietnamese Dong", "₫", "₫", 0),
    c("zar", "South African Rand", "R", "R", 2),
];

impl Currency {
    /// Looks a currency up by ISO code, case-insensitively.
    pub fn find(code: &str) -> Option<&'static Currency> {
        // Every amount an answer renders looks its currency up: ISO codes are three letters, so
        // they are lowercased on the stack rather than into a new String.
        let search = |code: &str| {
            CURRENCIES
                .binary_search_by(|c| c.code.cmp(code))
                .ok()
                .map(|i| &CURRENCIES[i])
        };
        match code.as_bytes() {
            [a, b, c] => {
                let lower = [
                    a.to_ascii_lowercase(),
                    b.to_ascii_lowercase(),
                    c.to_ascii_lowercase(),
                ];
                search(std::str::from_utf8(&lower).ok()?)
            }
            _ => search(&code.to_ascii_lowercase()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique_so_lookup_works() {
        for pair in CURRENCIES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} before {}",
                pair[0].code,
                pair[1].code
            );
        }
        for c in CURRENCIES {
            assert_eq!(Currency::find(c.code), Some(c));
        }
    }

    #[test]
    fn lookup_is_case_insensitive_and_knows_precisions() {
        assert_eq!(Currency::find("EUR").unwrap().decimal_digits, 2);
        assert_eq!(Currency::find("jpy").unwrap().decimal_digits, 0);
        assert_eq!(Currency::find("KWD").unwrap().decimal_digits, 3);
        assert!(Currency::find("xxx").is_none());
    }
}
