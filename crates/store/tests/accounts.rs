//! Accounts on both backends: users, sessions, API tokens, and the audit
//! record every change leaves.

mod common;

use common::stores;
use zicht_model::{Catalogue, Organisation, Role, Slug};
use zicht_store::{AuditFilter, NewUser, Store, StoreError};

async fn with_organisation(store: &Store) {
    let cat = Catalogue {
        organisations: vec![Organisation {
            id: Slug::parse("comensha").unwrap(),
            label_nl: "CoMensha".into(),
            label_en: "CoMensha".into(),
        }],
        ..Catalogue::default()
    };
    store.load("test", Some(&cat), &[], None).await.unwrap();
}

fn new<'a>(login: &'a str, role: Role, organisation: Option<&'a str>) -> NewUser<'a> {
    NewUser {
        login,
        name: "Test Person",
        role,
        organisation,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$SECRETHASH",
    }
}

#[tokio::test]
async fn users_are_created_checked_and_audited() {
    for (name, store) in stores("acc_users").await {
        // No catalogue yet: a supplier's organisation cannot be checked.
        let err = store
            .create_user(None, &new("sup", Role::Supplier, Some("comensha")))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::UnknownOrganisation(o) if o == "comensha"),
            "{name}: {err}"
        );
        assert!(err.to_string().contains("zicht init"), "{err}");
        with_organisation(&store).await;

        let admin = store
            .create_user(None, &new("root", Role::Admin, None))
            .await
            .unwrap();
        assert_eq!(admin.role, Role::Admin);
        assert!(!admin.disabled);
        let sup = store
            .create_user(Some("root"), &new("sup", Role::Supplier, Some("comensha")))
            .await
            .unwrap();
        assert_eq!(sup.organisation.as_deref(), Some("comensha"));
        assert!(matches!(
            store
                .create_user(None, &new("sup", Role::Editor, None))
                .await,
            Err(StoreError::LoginTaken(_))
        ));
        for bad in [
            new("ed", Role::Editor, Some("comensha")),
            new("sup2", Role::Supplier, None),
            new("Bad Login", Role::Editor, None),
            new("sup3", Role::Supplier, Some("nope")),
        ] {
            assert!(
                store.create_user(None, &bad).await.is_err(),
                "{name}: {bad:?}"
            );
        }
        let logins: Vec<String> = store
            .users()
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.login)
            .collect();
        assert_eq!(logins, ["root", "sup"], "{name}");
        assert_eq!(store.user(sup.id).await.unwrap(), Some(sup.clone()));
        assert_eq!(store.user_by_login("nobody").await.unwrap(), None);
        let (u, hash) = store.login_credentials("sup").await.unwrap().unwrap();
        assert_eq!(u, sup);
        assert!(hash.starts_with("$argon2id$"));

        let log = store.audit_log(&AuditFilter::default()).await.unwrap();
        assert_eq!(
            log.len(),
            2,
            "{name}: one record per user, none for refusals"
        );
        assert_eq!(log[0].entry.action, "user.add");
        assert_eq!(log[0].entry.entity, "user:sup");
        assert_eq!(log[0].entry.actor.as_deref(), Some("root"));
        assert_eq!(log[0].entry.organisation.as_deref(), Some("comensha"));
        assert_eq!(log[0].entry.after.as_ref().unwrap()["role"], "supplier");
        assert_eq!(
            log[1].entry.actor, None,
            "{name}: the terminal is actor NULL"
        );
        for r in &log {
            let text = format!("{:?}{:?}", r.entry.before, r.entry.after);
            assert!(
                !text.contains("argon2") && !text.contains("SECRETHASH"),
                "{text}"
            );
        }
    }
}

#[tokio::test]
async fn sessions_expire_and_end_on_disable_and_password_change() {
    for (name, store) in stores("acc_sessions").await {
        let u = store
            .create_user(None, &new("ed", Role::Editor, None))
            .await
            .unwrap();
        store
            .create_session(u.id, "h1", "csrf1", 3600)
            .await
            .unwrap();
        store
            .create_session(u.id, "h-old", "csrf0", -1)
            .await
            .unwrap();
        let s = store.session("h1").await.unwrap().expect("live session");
        assert_eq!((s.user.login.as_str(), s.csrf.as_str()), ("ed", "csrf1"));
        assert_eq!(
            store.session("h-old").await.unwrap(),
            None,
            "{name}: expired"
        );
        assert_eq!(store.session("nope").await.unwrap(), None);

        store.delete_session("h1").await.unwrap();
        assert_eq!(store.session("h1").await.unwrap(), None, "{name}: logout");
        store.delete_session("h1").await.unwrap();

        store.create_session(u.id, "h2", "c", 3600).await.unwrap();
        let d = store.set_disabled(Some("root"), "ed", true).await.unwrap();
        assert!(d.disabled);
        assert_eq!(store.session("h2").await.unwrap(), None, "{name}: disabled");
        assert!(store.create_session(u.id, "h3", "c", 3600).await.is_err());
        store.set_disabled(Some("root"), "ed", false).await.unwrap();
        assert_eq!(
            store.session("h2").await.unwrap(),
            None,
            "{name}: stays ended"
        );

        store.create_session(u.id, "h4", "c", 3600).await.unwrap();
        store
            .create_token(Some("ed"), u.id, "script", "tok-hash")
            .await
            .unwrap();
        assert!(store.user_by_token("tok-hash").await.unwrap().is_some());
        store
            .set_password(Some("root"), "ed", "$argon2id$new")
            .await
            .unwrap();
        assert_eq!(
            store.user_by_token("tok-hash").await.unwrap(),
            None,
            "{name}: a reset revokes the API tokens"
        );
        assert_eq!(
            store.session("h4").await.unwrap(),
            None,
            "{name}: password change"
        );
        assert_eq!(
            store.login_credentials("ed").await.unwrap().unwrap().1,
            "$argon2id$new"
        );
        assert!(matches!(
            store.set_password(None, "nobody", "x").await,
            Err(StoreError::UnknownUser(_))
        ));

        let actions: Vec<String> = store
            .audit_log(&AuditFilter::default())
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.entry.action)
            .collect();
        assert_eq!(
            actions,
            [
                "user.password",
                "token.create",
                "session.login",
                "user.enable",
                "user.disable",
                "session.login",
                "session.logout",
                "session.login",
                "session.login",
                "user.add"
            ],
            "{name}"
        );
        let all = format!(
            "{:?}",
            store.audit_log(&AuditFilter::default()).await.unwrap()
        );
        assert!(
            !all.contains("argon2") && !all.contains("csrf1") && !all.contains("\"h1\""),
            "{all}"
        );
    }
}

#[tokio::test]
async fn api_tokens_are_own_and_revocable() {
    for (name, store) in stores("acc_tokens").await {
        let a = store
            .create_user(None, &new("a", Role::Editor, None))
            .await
            .unwrap();
        let b = store
            .create_user(None, &new("b", Role::Admin, None))
            .await
            .unwrap();
        let t1 = store
            .create_token(Some("a"), a.id, "laptop", "th1")
            .await
            .unwrap();
        let t2 = store
            .create_token(None, a.id, "script", "th2")
            .await
            .unwrap();
        assert!(store.create_token(None, a.id, "  ", "th3").await.is_err());
        let (u, id) = store.user_by_token("th1").await.unwrap().unwrap();
        assert_eq!((u.login.as_str(), id), ("a", t1.id), "{name}");
        let listed = store.tokens(a.id).await.unwrap();
        assert_eq!(
            listed.iter().map(|t| t.id).collect::<Vec<_>>(),
            [t2.id, t1.id]
        );
        assert!(store.tokens(b.id).await.unwrap().is_empty());

        assert!(
            matches!(
                store.revoke_token(Some("b"), b.id, t1.id).await,
                Err(StoreError::UnknownToken(_))
            ),
            "{name}: not someone else's"
        );
        assert!(store.user_by_token("th1").await.unwrap().is_some());
        let r = store.revoke_token(Some("a"), a.id, t1.id).await.unwrap();
        assert!(r.revoked_at.is_some());
        assert_eq!(
            store.user_by_token("th1").await.unwrap(),
            None,
            "{name}: revoked"
        );
        let again = store.revoke_token(Some("a"), a.id, t1.id).await.unwrap();
        assert_eq!(again.revoked_at, r.revoked_at, "{name}: first moment kept");

        store.set_disabled(None, "a", true).await.unwrap();
        assert_eq!(
            store.user_by_token("th2").await.unwrap(),
            None,
            "{name}: disabled"
        );
        store.set_disabled(None, "a", false).await.unwrap();
        assert_eq!(
            store.user_by_token("th2").await.unwrap(),
            None,
            "{name}: enabling again does not bring a token back"
        );
        assert!(store
            .tokens(a.id)
            .await
            .unwrap()
            .iter()
            .all(|t| t.revoked_at.is_some()));

        let log = store
            .audit_log(&AuditFilter {
                entity_prefix: Some("token:".into()),
                ..AuditFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(
            log.iter()
                .map(|r| r.entry.action.as_str())
                .collect::<Vec<_>>(),
            ["token.revoke", "token.create", "token.create"],
            "{name}"
        );
        assert!(!format!("{log:?}").contains("th1"));
    }
}

#[tokio::test]
async fn a_reset_makes_a_change_due_and_the_own_change_clears_it() {
    for (name, store) in stores("acc_change").await {
        let u = store
            .create_user(None, &new("ed", Role::Editor, None))
            .await
            .unwrap();
        assert!(!u.password_change_due);
        let reset = store
            .set_password(Some("root"), "ed", "$argon2id$reset")
            .await;
        assert!(reset.is_ok());
        let ed = store.user_by_login("ed").await.unwrap().unwrap();
        assert!(ed.password_change_due, "{name}");
        store.create_session(u.id, "keep", "c", 3600).await.unwrap();
        store
            .create_session(u.id, "other", "c", 3600)
            .await
            .unwrap();
        let changed = store
            .change_own_password(u.id, "$argon2id$own", Some("keep"))
            .await
            .unwrap();
        assert!(!changed.password_change_due, "{name}");
        assert!(store.session("keep").await.unwrap().is_some(), "{name}");
        assert_eq!(store.session("other").await.unwrap(), None, "{name}");
        assert_eq!(
            store.login_credentials("ed").await.unwrap().unwrap().1,
            "$argon2id$own"
        );
        let log = store.audit_log(&AuditFilter::default()).await.unwrap();
        assert_eq!(log[0].entry.action, "user.password.change");
        assert!(!format!("{log:?}").contains("$argon2id$"), "{name}");
    }
}

#[tokio::test]
async fn a_second_factor_is_enrolled_used_once_per_step_and_removed() {
    for (name, store) in stores("acc_totp").await {
        let u = store
            .create_user(None, &new("ed", Role::Editor, None))
            .await
            .unwrap();
        // Without a factor a session needs no code.
        store
            .create_session(u.id, "before", "c", 3600)
            .await
            .unwrap();
        assert!(
            store
                .session("before")
                .await
                .unwrap()
                .unwrap()
                .second_factor_passed
        );
        store
            .set_pending_second_factor(u.id, "SECRETA")
            .await
            .unwrap();
        store
            .set_pending_second_factor(u.id, "SECRETB")
            .await
            .unwrap();
        let hashes = vec!["r1".to_owned(), "r2".to_owned()];
        assert_eq!(
            store
                .enable_second_factor(u.id, "SECRETA", 100, &hashes, Some("before"))
                .await
                .unwrap(),
            None,
            "{name}: a replaced secret is not enabled"
        );
        let ed = store
            .enable_second_factor(u.id, "SECRETB", 100, &hashes, Some("before"))
            .await
            .unwrap()
            .unwrap();
        assert!(ed.second_factor);
        let f = store.second_factor(u.id).await.unwrap();
        assert_eq!(
            (f.secret.as_deref(), f.last_step, f.pending),
            (Some("SECRETB"), Some(100), None)
        );
        // The enrolling session passes; a new one owes a code.
        assert!(
            store
                .session("before")
                .await
                .unwrap()
                .unwrap()
                .second_factor_passed
        );
        store
            .create_session(u.id, "after", "c", 3600)
            .await
            .unwrap();
        assert!(
            !store
                .session("after")
                .await
                .unwrap()
                .unwrap()
                .second_factor_passed
        );
        assert!(
            !store.accept_code_step(u.id, 100).await.unwrap(),
            "{name}: replay"
        );
        assert!(
            !store.accept_code_step(u.id, 99).await.unwrap(),
            "{name}: older"
        );
        assert!(store.accept_code_step(u.id, 101).await.unwrap(), "{name}");
        store.pass_second_factor("after").await.unwrap();
        assert!(
            store
                .session("after")
                .await
                .unwrap()
                .unwrap()
                .second_factor_passed
        );
        assert!(store.use_recovery_code(u.id, "r1").await.unwrap());
        assert!(
            !store.use_recovery_code(u.id, "r1").await.unwrap(),
            "{name}: once"
        );
        assert!(!store.use_recovery_code(u.id, "nope").await.unwrap());
        assert_eq!(store.recovery_codes_left(u.id).await.unwrap(), 1);
        let off = store
            .remove_second_factor(Some("root"), "ed")
            .await
            .unwrap();
        assert!(!off.second_factor);
        assert_eq!(store.recovery_codes_left(u.id).await.unwrap(), 0);
        assert!(
            !store.accept_code_step(u.id, 200).await.unwrap(),
            "{name}: no factor"
        );
        let actions: Vec<String> = store
            .audit_log(&AuditFilter::default())
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.entry.action)
            .collect();
        for a in [
            "second_factor.enrol",
            "second_factor.recovery_code",
            "second_factor.remove",
        ] {
            assert!(actions.contains(&a.to_owned()), "{name}: {actions:?}");
        }
        let log = format!(
            "{:?}",
            store.audit_log(&AuditFilter::default()).await.unwrap()
        );
        assert!(
            !log.contains("SECRETB") && !log.contains("\"r2\""),
            "{name}: {log}"
        );
    }
}

#[tokio::test]
async fn names_with_a_direction_control_are_refused() {
    for (name, store) in stores("acc_bidi").await {
        let mut n = new("eve", Role::Editor, None);
        n.name = "Eve \u{202E}cod.exe";
        let err = store.create_user(None, &n).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidUser(_)), "{name}: {err}");
        assert!(err.to_string().contains("U+202E"), "{err}");
        let ok = store
            .create_user(None, &new("eve", Role::Editor, None))
            .await
            .unwrap();
        assert!(store
            .create_token(None, ok.id, "laptop\u{2066}", "h")
            .await
            .is_err());
    }
}
