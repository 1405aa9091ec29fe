//! Browser tests for this device's copy of the records (real IndexedDB in headless Chromium).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)] // test code: a failure is a failed test

use serde_json::json;
use wasm_bindgen_test::*;
use xops_integrations::sync::local::{merge_change, Base, Cached, LocalStore, Notice, OutboxOp, Pending, PulledPage};
use xops_integrations::sync::view::{overlay_one, Accounts, Body};
use xops_integrations::sync::SyncStatus;
use xops_model::{Guid, Provider, Record, RecordChanges, RecordId, RecordKind, UserId};

wasm_bindgen_test_configure!(run_in_browser);

const ID: &str = "0f0e0d0c-0b0a-4908-8706-050403020100";

/// The id (of any id type) this test calls `name`, up to 16 bytes: ids sort as their names do.
fn named<T: From<Guid>>(name: &str) -> T {
    let mut bytes = [0u8; 16];
    bytes[..name.len()].copy_from_slice(name.as_bytes());
    T::from(Guid::from_random(bytes))
}

fn rid(name: &str) -> RecordId {
    RecordId::parse(name).unwrap_or_else(|_| named(name))
}

fn user() -> UserId {
    "00000000-0000-4000-8000-000000000001".parse().unwrap()
}

fn record(revision: i64, name: &str) -> Record {
    Record {
        id: rid(ID),
        kind: RecordKind::Integration,
        body: Some(json!({"name": name})),
        revision,
        deleted: false,
        updated_at: 1,
        updated_by: user(),
    }
}

/// Pulls `changes` into `db` as the sync does: the page as the store sends it, and its bytes.
async fn pull(db: &LocalStore, changes: &[Record], since: i64) {
    let raw = serde_json::to_vec(&RecordChanges { changes: changes.to_vec(), latest_revision: since, has_more: false }).unwrap();
    let page: PulledPage = serde_json::from_slice(&raw).unwrap();
    db.apply_pulled(&page.changes, &raw, since).unwrap().await.unwrap();
}

/// A record as this device keeps it.
fn kept(r: Record) -> Cached {
    Cached::from_record(&r).unwrap()
}

fn put(op: Option<OutboxOp>) -> Pending {
    match op {
        Some(OutboxOp::Put(p)) => p,
        other => panic!("expected a Put, got {other:?}"),
    }
}

#[wasm_bindgen_test]
fn changes_to_one_record_merge_into_one_pending_change_from_the_revision_the_person_saw() {
    let k = RecordKind::Integration;
    // New record: a create.
    let p = put(merge_change(None, None, &rid(ID), k, Some(json!({"name": "A"})), 1));
    assert_eq!((p.seq, p.base), (1, Base::Create));
    // Edited again before it reached the store: still one create, with the newest body.
    let p2 = put(merge_change(Some(&p), None, &rid(ID), k, Some(json!({"name": "B"})), 2));
    assert_eq!((p2.seq, p2.base, p2.body.clone()), (1, Base::Create, Some(json!({"name": "B"}))));
    // Deleted before it reached the store: nothing needs to be sent at all.
    assert_eq!(merge_change(Some(&p2), None, &rid(ID), k, None, 3), Some(OutboxOp::Remove(1)));

    // A record the store has at revision 7: the change is checked against revision 7.
    let confirmed = record(7, "Old");
    let u = put(merge_change(None, Some(confirmed.revision), &rid(ID), k, Some(json!({"name": "New"})), 4));
    assert_eq!(u.base, Base::Revision(7));
    let d = put(merge_change(Some(&u), Some(confirmed.revision), &rid(ID), k, None, 5));
    assert_eq!((d.seq, d.base, d.body), (4, Base::Revision(7), None), "a delete after an edit keeps the base");
    // Deleting what this device never had does nothing.
    assert_eq!(merge_change(None, None, &rid(ID), k, None, 6), None);
}

#[wasm_bindgen_test]
fn the_person_sees_pending_changes_laid_over_the_confirmed_copy() {
    let confirmed = kept(record(3, "Confirmed"));
    let edit = Pending {
        seq: 1,
        id: rid(ID),
        kind: RecordKind::Integration,
        body: Some(json!({"name": "Mine"})),
        base: Base::Revision(3),
    };
    let seen = overlay_one(Some(&confirmed), Some(&edit)).unwrap();
    assert!(seen.pending);
    assert!(matches!(seen.body, Body::Value(v) if v["name"] == "Mine"));
    let delete = Pending { seq: 2, id: rid(ID), kind: RecordKind::Integration, body: None, base: Base::Revision(3) };
    assert!(overlay_one(Some(&confirmed), Some(&delete)).is_none(), "a pending delete hides the record");
    let seen = overlay_one(Some(&confirmed), None).unwrap();
    assert!(!seen.pending);
    let mut gone = kept(record(4, "Confirmed"));
    gone.deleted = true;
    assert!(overlay_one(Some(&gone), None).is_none(), "a tombstone hides it");
}

/// An account record as the app saves it.
fn account(id: &str, name: &str) -> Record {
    Record {
        id: rid(id),
        body: Some(
            json!({ "name": name, "details": { "provider": "microsoft365", "tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "application_id": "11111111-2222-3333-4444-555555555555", "organization": "contoso.onmicrosoft.com" },
            "certificate": null, "status": "connected", "created_at": 1, "updated_at": 1 }),
        ),
        ..record(1, name)
    }
}

/// The accounts view takes one record's change at a time: the list order, the counts and the
/// pending mark follow, and nothing else is touched.
#[wasm_bindgen_test]
fn one_change_moves_one_account_and_its_counts() {
    let (b, a0) = (kept(account("b", "Beta")), kept(account("a", "alpha")));
    let mut a = Accounts::from_records(
        2,
        [(&rid("b"), overlay_one(Some(&b), None).unwrap()), (&rid("a"), overlay_one(Some(&a0), None).unwrap())],
    );
    let order = |a: &Accounts| a.by_name().map(|x| x.id.clone()).collect::<Vec<_>>();
    assert_eq!(order(&a), [rid("a"), rid("b")], "by name, whatever the case");
    assert_eq!(a.count(Provider::Microsoft365), 2);
    let zulu = kept(account("a", "Zulu"));
    a.set(&rid("a"), overlay_one(Some(&zulu), None));
    assert_eq!(order(&a), [rid("b"), rid("a")], "a rename moves it");
    assert_eq!((a.len(), a.count(Provider::Microsoft365), a.count(Provider::Aws)), (2, 2, 0));

    let delete = Pending { seq: 1, id: rid("b"), kind: RecordKind::Integration, body: None, base: Base::Revision(1) };
    a.set(&rid("b"), overlay_one(Some(&b), Some(&delete)));
    assert_eq!((a.len(), a.count(Provider::Microsoft365)), (1, 1), "a pending delete hides it");
    assert!(a.get(&rid("b")).is_none());
    let edit = Pending { id: rid("a"), body: account("a", "Again").body, ..delete };
    a.set(&rid("a"), overlay_one(Some(&zulu), Some(&edit)));
    assert!(a.get(&rid("a")).is_some_and(|x| x.pending && x.integration.name.as_str() == "Again"));

    let mut gone = kept(account("a", "Again"));
    gone.deleted = true;
    a.set(&rid("a"), overlay_one(Some(&gone), None));
    assert!(a.is_empty());
    assert_eq!(a.count(Provider::Microsoft365), 0);

    // A record this version cannot read is left out (and logged), and counts nothing.
    let mut unknown = account("x", "X");
    unknown.body = Some(json!({ "name": "X", "details": { "provider": "martian" } }));
    let unknown = kept(unknown);
    a.set(&rid("x"), overlay_one(Some(&unknown), None));
    assert!(a.is_empty());
    // Nor is one with a field this version does not know (a newer version wrote it): it is not
    // counted either, so the counts never promise a row the list cannot show.
    let mut newer = account("y", "Y");
    newer.body.as_mut().unwrap()["labels"] = json!(["production"]);
    a.set(&rid("y"), overlay_one(Some(&kept(newer)), None));
    assert!(a.is_empty());
    assert_eq!(a.count(Provider::Microsoft365), 0);
}

/// What the list reads of an account without the rest (its health facts, see `view::Peek`) gives
/// the status the model gives the whole account, in every case the rule tells apart; and the
/// list puts the most urgent first.
#[wasm_bindgen_test]
fn the_list_s_status_is_the_model_s() {
    const NOW: i64 = 1_800_000_000_000;
    const DAY: i64 = 86_400_000;
    let certificate = |t: char, ends: i64| {
        json!({"pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "sha1_thumbprint": t.to_string().repeat(40),
            "sha256_thumbprint": "B".repeat(64), "not_before": ends - 365 * DAY, "not_after": ends, "key_held_by": "Chromium on Linux"})
    };
    let test = |ok: bool, by: Option<char>, failing_since: Option<i64>| {
        let mut t = json!({"at": NOW - DAY, "checks": [{"id": "credentials", "ok": ok, "detail": "x", "fix": "y"}]});
        if let Some(c) = by {
            t["certificate"] = c.to_string().repeat(40).into();
        }
        if let Some(f) = failing_since {
            t["failing_since"] = f.into();
        }
        t
    };
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("never tested", json!({})),
        // Every field an account may carry is read by the index too (else it would be left out).
        ("never tested, tickets for 7 days", json!({"ticket_policy": "7d"})),
        ("working", json!({"certificate": certificate('A', NOW + 300 * DAY), "last_test": test(true, Some('A'), None)})),
        ("ending soon", json!({"certificate": certificate('A', NOW + 10 * DAY), "last_test": test(true, Some('A'), None)})),
        (
            "failing",
            json!({"certificate": certificate('A', NOW + 300 * DAY), "last_test": test(false, Some('A'), Some(NOW - 3 * DAY))}),
        ),
        (
            "tested with another browser's",
            json!({"certificate": certificate('A', NOW + 300 * DAY),
            "other_certificates": [certificate('C', NOW + 300 * DAY)], "last_test": test(true, Some('C'), None)}),
        ),
        (
            "certificate replaced since",
            json!({"certificate": certificate('A', NOW + 300 * DAY), "last_test": test(true, Some('D'), None)}),
        ),
        ("expired", json!({"certificate": certificate('A', NOW - DAY), "last_test": test(true, Some('A'), None)})),
        (
            "kept before tests named a certificate",
            json!({"certificate": certificate('A', NOW + 300 * DAY), "last_test": test(false, None, None)}),
        ),
    ];
    let records: Vec<(RecordId, Cached)> = cases
        .iter()
        .enumerate()
        .map(|(i, (name, extra))| {
            let id = format!("health{i}");
            let mut r = account(&id, name);
            for (k, v) in extra.as_object().unwrap() {
                r.body.as_mut().unwrap()[k] = v.clone();
            }
            (rid(&id), kept(r))
        })
        .collect();
    let accounts = Accounts::from_records(records.len(), records.iter().map(|(id, r)| (id, overlay_one(Some(r), None).unwrap())));
    for (id, r) in &records {
        let whole: xops_model::Integration = serde_json::from_str(r.body.as_deref().unwrap().get()).unwrap();
        assert_eq!(accounts.status(id, NOW), Some(whole.status(NOW)), "{id}");
    }
    let order: Vec<String> = accounts
        .by_urgency(NOW)
        .into_iter()
        .map(|(id, _)| accounts.get(id).unwrap().integration.name.as_str().to_string())
        .collect();
    assert_eq!(order[..3], ["expired", "failing", "kept before tests named a certificate"], "{order:?}");
    assert_eq!(order[3], "ending soon");
    assert_eq!(order[order.len() - 2..], ["tested with another browser's", "working"], "working last, by name: {order:?}");
    assert_eq!(accounts.needing_attention(NOW), 7);
}

#[wasm_bindgen_test]
fn status_lines_read_as_the_issue_words_them() {
    assert_eq!(SyncStatus::Saved.to_string(), "Saved");
    assert_eq!(SyncStatus::Saving.to_string(), "Saving…");
    assert_eq!(SyncStatus::Offline { waiting: 2 }.to_string(), "Offline — 2 changes waiting");
    assert_eq!(SyncStatus::Offline { waiting: 1 }.to_string(), "Offline — 1 change waiting");
    assert_eq!(SyncStatus::Error("the store is down".into()).to_string(), "Sync error: the store is down");
}

#[wasm_bindgen_test]
async fn the_outbox_and_cache_survive_closing_and_reopening_and_are_kept_per_person() {
    let ada = LocalStore::open(&named("user-ada"), &named("org-1")).await.unwrap();
    let pending = Pending {
        seq: 1,
        id: rid(ID),
        kind: RecordKind::Integration,
        body: Some(json!({"name": "Offline edit"})),
        base: Base::Create,
    };
    ada.apply_outbox(&OutboxOp::Put(pending.clone())).await.unwrap();
    pull(&ada, &[record(4, "From the store")], 4).await;
    ada.close();

    // A reload: the database is opened afresh.
    let ada = LocalStore::open(&named("user-ada"), &named("org-1")).await.unwrap();
    let snapshot = ada.load().await.unwrap();
    assert_eq!(snapshot.outbox, vec![pending.clone()]);
    assert_eq!(snapshot.since, 4);
    assert_eq!(snapshot.confirmed[&rid(ID)].name().as_deref(), Some("From the store"));

    // Another person in the same browser has a copy of their own.
    let bob = LocalStore::open(&named("user-bob"), &named("org-1")).await.unwrap();
    let theirs = bob.load().await.unwrap();
    assert!(theirs.outbox.is_empty() && theirs.confirmed.is_empty());
    bob.forget().await.unwrap();

    // The store took the change: it leaves the outbox and the answer becomes the confirmed copy;
    // a refused one becomes a notice that survives a reload too.
    ada.settle(1, &kept(record(5, "Offline edit")), None).await.unwrap();
    let refused = Pending { seq: 2, ..pending.clone() };
    ada.apply_outbox(&OutboxOp::Put(refused.clone())).await.unwrap();
    let notice = Notice::Rejected { seq: 2, mine: refused, message: "not valid".into() };
    ada.refuse(2, &notice).await.unwrap();
    ada.close();
    let ada = LocalStore::open(&named("user-ada"), &named("org-1")).await.unwrap();
    let s = ada.load().await.unwrap();
    assert!(s.outbox.is_empty());
    assert_eq!(s.confirmed[&rid(ID)].revision, 5);
    assert_eq!(s.notices, vec![notice]);

    // A tombstone from the store removes the record from the cache.
    let mut gone = record(6, "x");
    gone.deleted = true;
    gone.body = None;
    pull(&ada, &[gone], 6).await;
    assert!(ada.load().await.unwrap().confirmed.is_empty());

    // Signing out removes the person's copy from the browser.
    ada.forget().await.unwrap();
    let again = LocalStore::open(&named("user-ada"), &named("org-1")).await.unwrap();
    assert_eq!(again.load().await.unwrap(), Default::default());
    again.forget().await.unwrap();
}

#[wasm_bindgen_test]
async fn a_read_of_the_device_is_one_moment_even_while_another_tab_writes() {
    // Two tabs, two connections to one database. Tab B pulls a record while tab A is reading:
    // A must see the record and its revision together, or neither, never the new revision
    // without the record (A would then pull from past it and never show the record).
    let a = LocalStore::open(&named("user-cy"), &named("org-2")).await.unwrap();
    let b = LocalStore::open(&named("user-cy"), &named("org-2")).await.unwrap();
    wasm_bindgen_futures::spawn_local(async move {
        pull(&b, &[record(9, "Pulled by tab B")], 9).await;
        b.close();
    });
    // B's write starts while this read is under way (the read begins before B's task runs).
    let during = a.load().await.unwrap();
    assert_eq!(during.since, if during.confirmed.contains_key(&rid(ID)) { 9 } else { 0 }, "records and revision from one moment");
    let (_, _, since) = a.load_queue().await.unwrap();
    assert_eq!(since, 9, "the write has landed by now");
    let after = a.load().await.unwrap();
    assert_eq!((after.since, after.confirmed[&rid(ID)].revision), (9, 9));
    a.forget().await.unwrap();
}

/// A large pulled page is kept as one chunk; later single changes (a small pull, the store's
/// answer to a push) override it record by record, highest revision winning, and a deletion
/// hides the chunk's copy. Compacting keeps exactly the same picture.
#[wasm_bindgen_test]
async fn the_cache_layers_merge_by_revision_and_compact_to_what_they_hold() {
    let db = LocalStore::open(&named("user-chunks"), &named("org-1")).await.unwrap();
    let at = |i: usize, revision: i64, name: &str| Record { id: rid(&format!("id-{i:03}")), ..record(revision, name) };
    let page: Vec<Record> = (0..100).map(|i| at(i, i as i64 + 1, "pulled")).collect();
    pull(&db, &page, 100).await;
    pull(&db, &[at(5, 101, "renamed")], 101).await;
    pull(&db, &[Record { deleted: true, ..at(6, 102, "pulled") }], 102).await;
    // The store's answer to a push, older than what a pull brought meanwhile, does not win.
    db.settle(99, &kept(at(5, 50, "older")), None).await.unwrap();
    pull(&db, &[at(5, 103, "renamed")], 103).await;

    let s = db.load().await.unwrap();
    assert_eq!(s.confirmed.len(), 99);
    assert_eq!(s.confirmed[&rid("id-005")].name().as_deref(), Some("renamed"));
    assert_eq!(s.confirmed[&rid("id-005")].revision, 103);
    assert!(!s.confirmed.contains_key(&rid("id-006")), "the tombstone hides the chunk's copy");
    assert_eq!(s.since, 103);
    assert!(!s.compact_due);
    assert_eq!(db.own_entry(&rid("id-005")).await.unwrap().unwrap().revision, 103);
    assert!(db.own_entry(&rid("id-006")).await.unwrap().unwrap().deleted);
    assert!(db.own_entry(&rid("id-007")).await.unwrap().is_none(), "only a chunk holds it");

    // Twelve more large pages over the same records: the layers hold far more than the view.
    for round in 0..12 {
        let again: Vec<Record> = (0..100).filter(|i| *i != 6).map(|i| at(i, 200 + round * 100 + i as i64, "again")).collect();
        pull(&db, &again, 200 + round * 100 + 99).await;
    }
    let before = db.load().await.unwrap();
    assert!(before.compact_due);
    db.compact().await.unwrap();
    let after = db.load().await.unwrap();
    assert_eq!(after.confirmed, before.confirmed);
    assert_eq!(after.since, before.since);
    assert!(!after.compact_due);
    assert!(db.own_entry(&rid("id-005")).await.unwrap().is_none(), "everything is in chunks now");
    db.forget().await.unwrap();
}

/// A copy written before chunks were kept as bytes (a list of records as a string) still reads,
/// beside a page kept as the store sent it; a chunk that cannot be read hides nothing else.
#[wasm_bindgen_test]
async fn chunks_written_by_an_older_version_still_read() {
    use xops_integrations::sync::idb::Idb;
    let db = LocalStore::open(&named("user-old-chunks"), &named("org-1")).await.unwrap();
    let at = |i: usize, revision: i64| Record { id: rid(&format!("id-{i:03}")), ..record(revision, "pulled") };
    let new_page: Vec<Record> = (0..40).map(|i| at(i, i as i64 + 100)).collect();
    pull(&db, &new_page, 139).await;
    let old: Vec<Record> = (40..80).map(|i| at(i, i as i64)).collect();
    let raw = Idb::open(&db.name, 2, |_| Ok(())).await.unwrap();
    raw.write(&["chunks"], |store| {
        let chunks = store("chunks")?;
        chunks.put_with_key(&serde_json::to_string(&old).unwrap().into(), &(-1.0).into())?;
        chunks.put_with_key(&"not json".into(), &(-2.0).into()).map(|_| ())
    })
    .await
    .unwrap();
    raw.close();
    let s = db.load().await.unwrap();
    assert_eq!(s.confirmed.len(), 80);
    assert_eq!((s.confirmed[&rid("id-000")].revision, s.confirmed[&rid("id-040")].revision), (100, 40));
    db.forget().await.unwrap();
}

/// The copy read while the app starts is the engine's only for the person it was read for, and
/// only once; for anyone else it is closed and dropped.
#[wasm_bindgen_test]
async fn an_early_read_is_taken_only_by_its_person() {
    use xops_integrations::sync::early;
    let ada = LocalStore::open(&named("user-early"), &named("org-1")).await.unwrap();
    pull(&ada, &[record(4, "Read early")], 4).await;
    ada.close();

    early::start(&named("user-early"), &named("org-1"));
    assert!(early::take(&named("user-grace"), &named("org-1")).await.is_none(), "another person signed in");
    assert!(early::take(&named("user-early"), &named("org-1")).await.is_none(), "a read is taken once");

    early::start(&named("user-early"), &named("org-1"));
    let (local, snapshot) = early::take(&named("user-early"), &named("org-1")).await.unwrap();
    assert_eq!(snapshot.confirmed[&rid(ID)].name().as_deref(), Some("Read early"));
    assert_eq!(snapshot.since, 4);
    local.forget().await.unwrap();
}
