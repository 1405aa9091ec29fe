//! AWS Signature Version 4, for a request whose headers are all signed, and the form encoding
//! AWS's Query APIs take. Checked against AWS's published test suite (below).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// A request to sign: `headers` are what it sends besides Authorization (Host among them),
/// names in any case.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// Already in canonical form (sorted, encoded), or empty.
    pub query: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub payload: &'a [u8],
}

/// The canonical request (task 1 of the signing process), and the signed headers' names.
pub fn canonical_request(r: &Request<'_>) -> (String, String) {
    let mut headers: Vec<(String, String)> =
        r.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.split_whitespace().collect::<Vec<_>>().join(" "))).collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed = headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
    let request = format!("{}\n{}\n{}\n{canonical_headers}\n{signed}\n{}", r.method, r.path, r.query, sha256_hex(r.payload));
    (request, signed)
}

/// The `Authorization` header's value. `amz_date` is the request's `X-Amz-Date`
/// (`YYYYMMDDTHHMMSSZ`), which must be among its headers.
pub fn authorization(
    access_key_id: &str,
    secret_access_key: &str,
    region: &str,
    service: &str,
    amz_date: &str,
    request: &Request<'_>,
) -> String {
    let date = &amz_date[..8.min(amz_date.len())];
    let (canonical, signed) = canonical_request(request);
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", sha256_hex(canonical.as_bytes()));
    let key = [region, service, "aws4_request"]
        .iter()
        .fold(mac(format!("AWS4{secret_access_key}").as_bytes(), date.as_bytes()), |k, part| mac(&k, part.as_bytes()));
    let signature = hex(&mac(&key, to_sign.as_bytes()));
    format!("AWS4-HMAC-SHA256 Credential={access_key_id}/{scope}, SignedHeaders={signed}, Signature={signature}")
}

/// `X-Amz-Date` for a time in milliseconds since the Unix epoch.
pub fn amz_date(unix_ms: i64) -> String {
    let (year, month, day, secs) = crate::db::civil(unix_ms);
    format!("{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}
/// A form body as AWS encodes it: every byte but `A-Za-z0-9-_.~` percent-encoded.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's Signature Version 4 test suite: the credentials and time every case uses.
    const KEY_ID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const DATE: &str = "20150830T123600Z";

    #[test]
    fn signatures_match_aws_s_published_test_suite() {
        // "post-x-www-form-urlencoded": the shape of every STS call.
        let headers =
            [("Content-Type", "application/x-www-form-urlencoded"), ("Host", "example.amazonaws.com"), ("X-Amz-Date", DATE)];
        let r = Request { method: "POST", path: "/", query: "", headers: &headers, payload: b"Param1=value1" };
        assert_eq!(
            authorization(KEY_ID, SECRET, "us-east-1", "service", DATE, &r),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
        );
        // "post-x-www-form-urlencoded-parameters": a charset in the content type.
        let headers = [
            ("Content-Type", "application/x-www-form-urlencoded; charset=utf8"),
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", DATE),
        ];
        let r = Request { headers: &headers, ..r };
        assert!(authorization(KEY_ID, SECRET, "us-east-1", "service", DATE, &r)
            .ends_with("Signature=1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"));
        // The 2011 suite's "get-vanilla-query-order-key": a query, and a Date header instead.
        let headers = [("Date", "Mon, 09 Sep 2011 23:36:00 GMT"), ("Host", "host.foo.com")];
        let r = Request { method: "GET", path: "/", query: "foo=Zoo&foo=aha", headers: &headers, payload: b"" };
        let (canonical, signed) = canonical_request(&r);
        assert_eq!(signed, "date;host");
        assert_eq!(sha256_hex(canonical.as_bytes()), "e25f777ba161a0f1baf778a87faf057187cf5987f17953320e3ca399feb5f00d");
        assert!(authorization(KEY_ID, SECRET, "us-east-1", "host", "20110909T233600Z", &r)
            .ends_with("Signature=be7148d34ebccdc6423b19085378aa0bee970bdc61d144bd1a8c48c33079ab09"));
    }

    #[test]
    fn dates_and_forms() {
        assert_eq!(amz_date(1_440_938_160_000), DATE);
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(amz_date(951_782_400_000), "20000229T000000Z", "a leap day");
        assert_eq!(
            form_encode(&[("RoleSessionName", "xops-a b"), ("RoleArn", "arn:aws:iam::1:role/a+b")]),
            "RoleSessionName=xops-a%20b&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%2Bb"
        );
    }
}
