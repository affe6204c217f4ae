"""The country of a phone number in international form (WhatsApp's `wa_id`), from its calling code.

Longest calling-code prefix wins; inside the North American Numbering Plan (+1) the area code tells Canada and the
Caribbean countries our customers write from apart from the United States.
"""

from __future__ import annotations

_CALLING_CODES: dict[str, str] = {
    "20": "EG", "27": "ZA", "30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES", "36": "HU", "39": "IT",
    "40": "RO", "41": "CH", "43": "AT", "44": "GB", "45": "DK", "46": "SE", "47": "NO", "48": "PL", "49": "DE",
    "51": "PE", "52": "MX", "53": "CU", "54": "AR", "55": "BR", "56": "CL", "57": "CO", "58": "VE", "60": "MY",
    "61": "AU", "62": "ID", "63": "PH", "64": "NZ", "65": "SG", "66": "TH", "7": "RU", "81": "JP", "82": "KR",
    "84": "VN", "86": "CN", "90": "TR", "91": "IN", "92": "PK", "94": "LK", "98": "IR", "212": "MA", "213": "DZ",
    "216": "TN", "218": "LY", "221": "SN", "225": "CI", "237": "CM", "238": "CV", "239": "ST", "242": "CG",
    "243": "CD", "244": "AO", "245": "GW", "249": "SD", "234": "NG", "254": "KE", "258": "MZ", "351": "PT",
    "352": "LU", "353": "IE", "358": "FI", "380": "UA", "420": "CZ", "502": "GT", "503": "SV", "504": "HN",
    "505": "NI", "506": "CR", "507": "PA", "591": "BO", "593": "EC", "595": "PY", "598": "UY", "670": "TL",
    "852": "HK", "853": "MO", "880": "BD", "886": "TW", "961": "LB", "962": "JO", "963": "SY", "964": "IQ",
    "965": "KW", "966": "SA", "968": "OM", "970": "PS", "971": "AE", "972": "IL", "973": "BH", "974": "QA",
}  # fmt: skip

# Area codes inside +1 that are not the United States.
_NANP_AREAS: dict[str, str] = {
    **dict.fromkeys(
        ("204", "226", "236", "249", "250", "289", "306", "343", "365", "403", "416", "418", "431", "437", "438",
         "450", "506", "514", "519", "548", "579", "581", "587", "604", "613", "639", "647", "705", "709", "778",
         "780", "782", "807", "819", "825", "867", "873", "902", "905"),
        "CA",
    ),
    "787": "PR", "939": "PR", "809": "DO", "829": "DO", "849": "DO", "876": "JM", "868": "TT",
}  # fmt: skip


def country_of(phone: str) -> str | None:
    """ISO 3166 alpha-2 country of an international number like "5215512345678" or "+44 7700 900123", or None."""
    digits = "".join(character for character in phone if character.isdigit())
    if len(digits) < 6:
        return None
    if digits.startswith("1"):
        return _NANP_AREAS.get(digits[1:4], "US")
    for length in (3, 2, 1):
        country = _CALLING_CODES.get(digits[:length])
        if country:
            return country
    return None
