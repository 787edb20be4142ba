//! ISO 3166-1 countries, as Medusa's region module lists them.

/// One ISO 3166-1 country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code, lower-case (e.g. "fr").
    pub iso_2: &'static str,
    /// ISO 3166-1 alpha-3 code, lower-case (e.g. "fra").
    pub iso_3: &'static str,
    /// ISO 3166-1 numeric code, three digits with leading zeros (e.g. "250").
    pub num_code: &'static str,
    /// Upper-case English short name (e.g. "FRANCE").
    pub name: &'static str,
    /// English short name for display (e.g. "France").
    pub display_name: &'static str,
}

const fn c(
    iso_2: &'static str,
    iso_3: &'static str,
    num_code: &'static str,
    name: &'static str,
    display_name: &'static str,
) -> Country {
    Country {
        iso_2,
        iso_3,
        num_code,
        name,
        display_name,
    }
}

impl Country {
    /// Looks a country up by its alpha-2 code, ignoring case.
    pub fn find(iso_2: &str) -> Option<&'static Country> {
        if iso_2.len() != 2 {
            return None;
        }
        let key = iso_2.to_ascii_lowercase();
        COUNTRIES
            .binary_search_by(|country| country.iso_2.cmp(key.as_str()))
            .ok()
            .map(|index| &COUNTRIES[index])
    }
}

/// Every ISO 3166-1 country, sorted by `iso_2` so [`Country::find`] can binary-search.
pub static COUNTRIES: &[Country] = &[
    c("ad", "and", "020", "ANDORRA", "Andorra"),
    c(
        "ae",
        "are",
        "784",
        "UNITED ARAB EMIRATES",
        "United Arab Emirates",
    ),
    c("af", "afg", "004", "AFGHANISTAN", "Afghanistan"),
    c(
        "ag",
        "atg",
        "028",
        "ANTIGUA AND BARBUDA",
        "Antigua and Barbuda",
    ),
    c("ai", "aia", "660", "ANGUILLA", "Anguilla"),
    c("al", "alb", "008", "ALBANIA", "Albania"),
    c("am", "arm", "051", "ARMENIA", "Armenia"),
    c("ao", "ago", "024", "ANGOLA", "Angola"),
    c("aq", "ata", "010", "ANTARCTICA", "Antarctica"),
    c("ar", "arg", "032", "ARGENTINA", "Argentina"),
    c("as", "asm", "016", "AMERICAN SAMOA", "American Samoa"),
    c("at", "aut", "040", "AUSTRIA", "Austria"),
    c("au", "aus", "036", "AUSTRALIA", "Australia"),
    c("aw", "abw", "533", "ARUBA", "Aruba"),
    c("ax", "ala", "248", "ÅLAND ISLANDS", "Åland Islands"),
    c("az", "aze", "031", "AZERBAIJAN", "Azerbaijan"),
    c(
        "ba",
        "bih",
        "070",
        "BOSNIA AND HERZEGOVINA",
        "Bosnia and Herzegovina",
    ),
    c("bb", "brb", "052", "BARBADOS", "Barbados"),
    c("bd", "bgd", "050", "BANGLADESH", "Bangladesh"),
    c("be", "bel", "056", "BELGIUM", "Belgium"),
    c("bf", "bfa", "854", "BURKINA FASO", "Burkina Faso"),
    c("bg", "bgr", "100", "BULGARIA", "Bulgaria"),
    c("bh", "bhr", "048", "BAHRAIN", "Bahrain"),
    c("bi", "bdi", "108", "BURUNDI", "Burundi"),
    c("bj", "ben", "204", "BENIN", "Benin"),
    c("bl", "blm", "652", "SAINT BARTHÉLEMY", "Saint Barthélemy"),
    c("bm", "bmu", "060", "BERMUDA", "Bermuda"),
    c("bn", "brn", "096", "BRUNEI DARUSSALAM", "Brunei Darussalam"),
    c("bo", "bol", "068", "BOLIVIA", "Bolivia"),
    c(
        "bq",
        "bes",
        "535",
        "BONAIRE, SINT EUSTATIUS AND SABA",
        "Bonaire, Sint Eustatius and Saba",
    ),
    c("br", "bra", "076", "BRAZIL", "Brazil"),
    c("bs", "bhs", "044", "BAHAMAS", "Bahamas"),
    c("bt", "btn", "064", "BHUTAN", "Bhutan"),
    c("bv", "bvt", "074", "BOUVET ISLAND", "Bouvet Island"),
    c("bw", "bwa", "072", "BOTSWANA", "Botswana"),
    c("by", "blr", "112", "BELARUS", "Belarus"),
    c("bz", "blz", "084", "BELIZE", "Belize"),
    c("ca", "can", "124", "CANADA", "Canada"),
    c(
        "cc",
        "cck",
        "166",
        "COCOS (KEELING) ISLANDS",
        "Cocos (Keeling) Islands",
    ),
    c(
        "cd",
        "cod",
        "180",
        "CONGO, THE DEMOCRATIC REPUBLIC OF THE",
        "Congo, the Democratic Republic of the",
    ),
    c(
        "cf",
        "caf",
        "140",
        "CENTRAL AFRICAN REPUBLIC",
        "Central African Republic",
    ),
    c("cg", "cog", "178", "CONGO", "Congo"),
    c("ch", "che", "756", "SWITZERLAND", "Switzerland"),
    c("ci", "civ", "384", "COTE D'IVOIRE", "Cote D'Ivoire"),
    c("ck", "cok", "184", "COOK ISLANDS", "Cook Islands"),
    c("cl", "chl", "152", "CHILE", "Chile"),
    c("cm", "cmr", "120", "CAMEROON", "Cameroon"),
    c("cn", "chn", "156", "CHINA", "China"),
    c("co", "col", "170", "COLOMBIA", "Colombia"),
    c("cr", "cri", "188", "COSTA RICA", "Costa Rica"),
    c("cu", "cub", "192", "CUBA", "Cuba"),
    c("cv", "cpv", "132", "CAPE VERDE", "Cape Verde"),
    c("cw", "cuw", "531", "CURAÇAO", "Curaçao"),
    c("cx", "cxr", "162", "CHRISTMAS ISLAND", "Christmas Island"),
    c("cy", "cyp", "196", "CYPRUS", "Cyprus"),
    c("cz", "cze", "203", "CZECH REPUBLIC", "Czech Republic"),
    c("de", "deu", "276", "GERMANY", "Germany"),
    c("dj", "dji", "262", "DJIBOUTI", "Djibouti"),
    c("dk", "dnk", "208", "DENMARK", "Denmark"),
    c("dm", "dma", "212", "DOMINICA", "Dominica"),
    c(
        "do",
        "dom",
        "214",
        "DOMINICAN REPUBLIC",
        "Dominican Republic",
    ),
    c("dz", "dza", "012", "ALGERIA", "Algeria"),
    c("ec", "ecu", "218", "ECUADOR", "Ecuador"),
    c("ee", "est", "233", "ESTONIA", "Estonia"),
    c("eg", "egy", "818", "EGYPT", "Egypt"),
    c("eh", "esh", "732", "WESTERN SAHARA", "Western Sahara"),
    c("er", "eri", "232", "ERITREA", "Eritrea"),
    c("es", "esp", "724", "SPAIN", "Spain"),
    c("et", "eth", "231", "ETHIOPIA", "Ethiopia"),
    c("fi", "fin", "246", "FINLAND", "Finland"),
    c("fj", "fji", "242", "FIJI", "Fiji"),
    c(
        "fk",
        "flk",
        "238",
        "FALKLAND ISLANDS (MALVINAS)",
        "Falkland Islands (Malvinas)",
    ),
    c(
        "fm",
        "fsm",
        "583",
        "MICRONESIA, FEDERATED STATES OF",
        "Micronesia, Federated States of",
    ),
    c("fo", "fro", "234", "FAROE ISLANDS", "Faroe Islands"),
    c("fr", "fra", "250", "FRANCE", "France"),
    c("ga", "gab", "266", "GABON", "Gabon"),
    c("gb", "gbr", "826", "UNITED KINGDOM", "United Kingdom"),
    c("gd", "grd", "308", "GRENADA", "Grenada"),
    c("ge", "geo", "268", "GEORGIA", "Georgia"),
    c("gf", "guf", "254", "FRENCH GUIANA", "French Guiana"),
    c("gg", "ggy", "831", "GUERNSEY", "Guernsey"),
    c("gh", "gha", "288", "GHANA", "Ghana"),
    c("gi", "gib", "292", "GIBRALTAR", "Gibraltar"),
    c("gl", "grl", "304", "GREENLAND", "Greenland"),
    c("gm", "gmb", "270", "GAMBIA", "Gambia"),
    c("gn", "gin", "324", "GUINEA", "Guinea"),
    c("gp", "glp", "312", "GUADELOUPE", "Guadeloupe"),
    c("gq", "gnq", "226", "EQUATORIAL GUINEA", "Equatorial Guinea"),
    c("gr", "grc", "300", "GREECE", "Greece"),
    c(
        "gs",
        "sgs",
        "239",
        "SOUTH GEORGIA AND THE SOUTH SANDWICH ISLANDS",
        "South Georgia and the South Sandwich Islands",
    ),
    c("gt", "gtm", "320", "GUATEMALA", "Guatemala"),
    c("gu", "gum", "316", "GUAM", "Guam"),
    c("gw", "gnb", "624", "GUINEA-BISSAU", "Guinea-Bissau"),
    c("gy", "guy", "328", "GUYANA", "Guyana"),
    c("hk", "hkg", "344", "HONG KONG", "Hong Kong"),
    c(
        "hm",
        "hmd",
        "334",
        "HEARD ISLAND AND MCDONALD ISLANDS",
        "Heard Island and McDonald Islands",
    ),
    c("hn", "hnd", "340", "HONDURAS", "Honduras"),
    c("hr", "hrv", "191", "CROATIA", "Croatia"),
    c("ht", "hti", "332", "HAITI", "Haiti"),
    c("hu", "hun", "348", "HUNGARY", "Hungary"),
    c("id", "idn", "360", "INDONESIA", "Indonesia"),
    c("ie", "irl", "372", "IRELAND", "Ireland"),
    c("il", "isr", "376", "ISRAEL", "Israel"),
    c("im", "imn", "833", "ISLE OF MAN", "Isle of Man"),
    c("in", "ind", "356", "INDIA", "India"),
    c(
        "io",
        "iot",
        "086",
        "BRITISH INDIAN OCEAN TERRITORY",
        "British Indian Ocean Territory",
    ),
    c("iq", "irq", "368", "IRAQ", "Iraq"),
    c(
        "ir",
        "irn",
        "364",
        "IRAN, ISLAMIC REPUBLIC OF",
        "Iran, Islamic Republic of",
    ),
    c("is", "isl", "352", "ICELAND", "Iceland"),
    c("it", "ita", "380", "ITALY", "Italy"),
    c("je", "jey", "832", "JERSEY", "Jersey"),
    c("jm", "jam", "388", "JAMAICA", "Jamaica"),
    c("jo", "jor", "400", "JORDAN", "Jordan"),
    c("jp", "jpn", "392", "JAPAN", "Japan"),
    c("ke", "ken", "404", "KENYA", "Kenya"),
    c("kg", "kgz", "417", "KYRGYZSTAN", "Kyrgyzstan"),
    c("kh", "khm", "116", "CAMBODIA", "Cambodia"),
    c("ki", "kir", "296", "KIRIBATI", "Kiribati"),
    c("km", "com", "174", "COMOROS", "Comoros"),
    c(
        "kn",
        "kna",
        "659",
        "SAINT KITTS AND NEVIS",
        "Saint Kitts and Nevis",
    ),
    c(
        "kp",
        "prk",
        "408",
        "KOREA, DEMOCRATIC PEOPLE'S REPUBLIC OF",
        "Korea, Democratic People's Republic of",
    ),
    c(
        "kr",
        "kor",
        "410",
        "KOREA, REPUBLIC OF",
        "Korea, Republic of",
    ),
    c("kw", "kwt", "414", "KUWAIT", "Kuwait"),
    c("ky", "cym", "136", "CAYMAN ISLANDS", "Cayman Islands"),
    c("kz", "kaz", "398", "KAZAKHSTAN", "Kazakhstan"),
    c(
        "la",
        "lao",
        "418",
        "LAO PEOPLE'S DEMOCRATIC REPUBLIC",
        "Lao People's Democratic Republic",
    ),
    c("lb", "lbn", "422", "LEBANON", "Lebanon"),
    c("lc", "lca", "662", "SAINT LUCIA", "Saint Lucia"),
    c("li", "lie", "438", "LIECHTENSTEIN", "Liechtenstein"),
    c("lk", "lka", "144", "SRI LANKA", "Sri Lanka"),
    c("lr", "lbr", "430", "LIBERIA", "Liberia"),
    c("ls", "lso", "426", "LESOTHO", "Lesotho"),
    c("lt", "ltu", "440", "LITHUANIA", "Lithuania"),
    c("lu", "lux", "442", "LUXEMBOURG", "Luxembourg"),
    c("lv", "lva", "428", "LATVIA", "Latvia"),
    c("ly", "lby", "434", "LIBYA", "Libya"),
    c("ma", "mar", "504", "MOROCCO", "Morocco"),
    c("mc", "mco", "492", "MONACO", "Monaco"),
    c(
        "md",
        "mda",
        "498",
        "MOLDOVA, REPUBLIC OF",
        "Moldova, Republic of",
    ),
    c("me", "mne", "499", "MONTENEGRO", "Montenegro"),
    c(
        "mf",
        "maf",
        "663",
        "SAINT MARTIN (FRENCH PART)",
        "Saint Martin (French part)",
    ),
    c("mg", "mdg", "450", "MADAGASCAR", "Madagascar"),
    c("mh", "mhl", "584", "MARSHALL ISLANDS", "Marshall Islands"),
    c("mk", "mkd", "807", "NORTH MACEDONIA", "North Macedonia"),
    c("ml", "mli", "466", "MALI", "Mali"),
    c("mm", "mmr", "104", "MYANMAR", "Myanmar"),
    c("mn", "mng", "496", "MONGOLIA", "Mongolia"),
    c("mo", "mac", "446", "MACAO", "Macao"),
    c(
        "mp",
        "mnp",
        "580",
        "NORTHERN MARIANA ISLANDS",
        "Northern Mariana Islands",
    ),
    c("mq", "mtq", "474", "MARTINIQUE", "Martinique"),
    c("mr", "mrt", "478", "MAURITANIA", "Mauritania"),
    c("ms", "msr", "500", "MONTSERRAT", "Montserrat"),
    c("mt", "mlt", "470", "MALTA", "Malta"),
    c("mu", "mus", "480", "MAURITIUS", "Mauritius"),
    c("mv", "mdv", "462", "MALDIVES", "Maldives"),
    c("mw", "mwi", "454", "MALAWI", "Malawi"),
    c("mx", "mex", "484", "MEXICO", "Mexico"),
    c("my", "mys", "458", "MALAYSIA", "Malaysia"),
    c("mz", "moz", "508", "MOZAMBIQUE", "Mozambique"),
    c("na", "nam", "516", "NAMIBIA", "Namibia"),
    c("nc", "ncl", "540", "NEW CALEDONIA", "New Caledonia"),
    c("ne", "ner", "562", "NIGER", "Niger"),
    c("nf", "nfk", "574", "NORFOLK ISLAND", "Norfolk Island"),
    c("ng", "nga", "566", "NIGERIA", "Nigeria"),
    c("ni", "nic", "558", "NICARAGUA", "Nicaragua"),
    c("nl", "nld", "528", "NETHERLANDS", "Netherlands"),
    c("no", "nor", "578", "NORWAY", "Norway"),
    c("np", "npl", "524", "NEPAL", "Nepal"),
    c("nr", "nru", "520", "NAURU", "Nauru"),
    c("nu", "niu", "570", "NIUE", "Niue"),
    c("nz", "nzl", "554", "NEW ZEALAND", "New Zealand"),
    c("om", "omn", "512", "OMAN", "Oman"),
    c("pa", "pan", "591", "PANAMA", "Panama"),
    c("pe", "per", "604", "PERU", "Peru"),
    c("pf", "pyf", "258", "FRENCH POLYNESIA", "French Polynesia"),
    c("pg", "png", "598", "PAPUA NEW GUINEA", "Papua New Guinea"),
    c("ph", "phl", "608", "PHILIPPINES", "Philippines"),
    c("pk", "pak", "586", "PAKISTAN", "Pakistan"),
    c("pl", "pol", "616", "POLAND", "Poland"),
    c(
        "pm",
        "spm",
        "666",
        "SAINT PIERRE AND MIQUELON",
        "Saint Pierre and Miquelon",
    ),
    c("pn", "pcn", "612", "PITCAIRN", "Pitcairn"),
    c("pr", "pri", "630", "PUERTO RICO", "Puerto Rico"),
    c(
        "ps",
        "pse",
        "275",
        "PALESTINE, STATE OF",
        "Palestine, State of",
    ),
    c("pt", "prt", "620", "PORTUGAL", "Portugal"),
    c("pw", "plw", "585", "PALAU", "Palau"),
    c("py", "pry", "600", "PARAGUAY", "Paraguay"),
    c("qa", "qat", "634", "QATAR", "Qatar"),
    c("re", "reu", "638", "RÉUNION", "Réunion"),
    c("ro", "rou", "642", "ROMANIA", "Romania"),
    c("rs", "srb", "688", "SERBIA", "Serbia"),
    c(
        "ru",
        "rus",
        "643",
        "RUSSIAN FEDERATION",
        "Russian Federation",
    ),
    c("rw", "rwa", "646", "RWANDA", "Rwanda"),
    c("sa", "sau", "682", "SAUDI ARABIA", "Saudi Arabia"),
    c("sb", "slb", "090", "SOLOMON ISLANDS", "Solomon Islands"),
    c("sc", "syc", "690", "SEYCHELLES", "Seychelles"),
    c("sd", "sdn", "729", "SUDAN", "Sudan"),
    c("se", "swe", "752", "SWEDEN", "Sweden"),
    c("sg", "sgp", "702", "SINGAPORE", "Singapore"),
    c(
        "sh",
        "shn",
        "654",
        "SAINT HELENA, ASCENSION AND TRISTAN DA CUNHA",
        "Saint Helena, Ascension and Tristan da Cunha",
    ),
    c("si", "svn", "705", "SLOVENIA", "Slovenia"),
    c(
        "sj",
        "sjm",
        "744",
        "SVALBARD AND JAN MAYEN",
        "Svalbard and Jan Mayen",
    ),
    c("sk", "svk", "703", "SLOVAKIA", "Slovakia"),
    c("sl", "sle", "694", "SIERRA LEONE", "Sierra Leone"),
    c("sm", "smr", "674", "SAN MARINO", "San Marino"),
    c("sn", "sen", "686", "SENEGAL", "Senegal"),
    c("so", "som", "706", "SOMALIA", "Somalia"),
    c("sr", "sur", "740", "SURINAME", "Suriname"),
    c("ss", "ssd", "728", "SOUTH SUDAN", "South Sudan"),
    c(
        "st",
        "stp",
        "678",
        "SAO TOME AND PRINCIPE",
        "Sao Tome and Principe",
    ),
    c("sv", "slv", "222", "EL SALVADOR", "El Salvador"),
    c(
        "sx",
        "sxm",
        "534",
        "SINT MAARTEN (DUTCH PART)",
        "Sint Maarten (Dutch part)",
    ),
    c(
        "sy",
        "syr",
        "760",
        "SYRIAN ARAB REPUBLIC",
        "Syrian Arab Republic",
    ),
    c("sz", "swz", "748", "ESWATINI", "Eswatini"),
    c(
        "tc",
        "tca",
        "796",
        "TURKS AND CAICOS ISLANDS",
        "Turks and Caicos Islands",
    ),
    c("td", "tcd", "148", "CHAD", "Chad"),
    c(
        "tf",
        "atf",
        "260",
        "FRENCH SOUTHERN TERRITORIES",
        "French Southern Territories",
    ),
    c("tg", "tgo", "768", "TOGO", "Togo"),
    c("th", "tha", "764", "THAILAND", "Thailand"),
    c("tj", "tjk", "762", "TAJIKISTAN", "Tajikistan"),
    c("tk", "tkl", "772", "TOKELAU", "Tokelau"),
    c("tl", "tls", "626", "TIMOR-LESTE", "Timor-Leste"),
    c("tm", "tkm", "795", "TURKMENISTAN", "Turkmenistan"),
    c("tn", "tun", "788", "TUNISIA", "Tunisia"),
    c("to", "ton", "776", "TONGA", "Tonga"),
    c("tr", "tur", "792", "TURKEY", "Turkey"),
    c(
        "tt",
        "tto",
        "780",
        "TRINIDAD AND TOBAGO",
        "Trinidad and Tobago",
    ),
    c("tv", "tuv", "798", "TUVALU", "Tuvalu"),
    c(
        "tw",
        "twn",
        "158",
        "TAIWAN, PROVINCE OF CHINA",
        "Taiwan, Province of China",
    ),
    c(
        "tz",
        "tza",
        "834",
        "TANZANIA, UNITED REPUBLIC OF",
        "Tanzania, United Republic of",
    ),
    c("ua", "ukr", "804", "UKRAINE", "Ukraine"),
    c("ug", "uga", "800", "UGANDA", "Uganda"),
    c(
        "um",
        "umi",
        "581",
        "UNITED STATES MINOR OUTLYING ISLANDS",
        "United States Minor Outlying Islands",
    ),
    c("us", "usa", "840", "UNITED STATES", "United States"),
    c("uy", "ury", "858", "URUGUAY", "Uruguay"),
    c("uz", "uzb", "860", "UZBEKISTAN", "Uzbekistan"),
    c(
        "va",
        "vat",
        "336",
        "HOLY SEE (VATICAN CITY STATE)",
        "Holy See (Vatican City State)",
    ),
    c(
        "vc",
        "vct",
        "670",
        "SAINT VINCENT AND THE GRENADINES",
        "Saint Vincent and the Grenadines",
    ),
    c("ve", "ven", "862", "VENEZUELA", "Venezuela"),
    c(
        "vg",
        "vgb",
        "092",
        "VIRGIN ISLANDS, BRITISH",
        "Virgin Islands, British",
    ),
    c(
        "vi",
        "vir",
        "850",
        "VIRGIN ISLANDS, U.S.",
        "Virgin Islands, U.S.",
    ),
    c("vn", "vnm", "704", "VIET NAM", "Viet Nam"),
    c("vu", "vut", "548", "VANUATU", "Vanuatu"),
    c("wf", "wlf", "876", "WALLIS AND FUTUNA", "Wallis and Futuna"),
    c("ws", "wsm", "882", "SAMOA", "Samoa"),
    c("ye", "yem", "887", "YEMEN", "Yemen"),
    c("yt", "myt", "175", "MAYOTTE", "Mayotte"),
    c("za", "zaf", "710", "SOUTH AFRICA", "South Africa"),
    c("zm", "zmb", "894", "ZAMBIA", "Zambia"),
    c("zw", "zwe", "716", "ZIMBABWE", "Zimbabwe"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique_by_iso_2() {
        for pair in COUNTRIES.windows(2) {
            assert!(
                pair[0].iso_2 < pair[1].iso_2,
                "{} must sort before {}",
                pair[0].iso_2,
                pair[1].iso_2
            );
        }
    }

    #[test]
    fn codes_have_the_iso_shapes() {
        for country in COUNTRIES {
            assert_eq!(country.iso_2.len(), 2, "{}", country.iso_2);
            assert_eq!(country.iso_3.len(), 3, "{}", country.iso_3);
            assert_eq!(country.num_code.len(), 3, "{}", country.num_code);
            assert!(country.iso_2.bytes().all(|b| b.is_ascii_lowercase()));
            assert!(country.iso_3.bytes().all(|b| b.is_ascii_lowercase()));
            assert!(country.num_code.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn table_has_every_country() {
        assert_eq!(COUNTRIES.len(), 249);
    }

    #[test]
    fn find_is_case_insensitive() {
        let france = Country::find("FR").unwrap();
        assert_eq!(france.display_name, "France");
        assert_eq!(france.num_code, "250");
        assert_eq!(Country::find("de").unwrap().iso_3, "deu");
    }

    #[test]
    fn find_knows_common_display_names() {
        assert_eq!(Country::find("us").unwrap().display_name, "United States");
        assert_eq!(Country::find("gb").unwrap().display_name, "United Kingdom");
    }

    #[test]
    fn find_rejects_unknown_codes() {
        assert_eq!(Country::find("zz"), None);
        assert_eq!(Country::find(""), None);
        assert_eq!(Country::find("fra"), None);
    }
}
