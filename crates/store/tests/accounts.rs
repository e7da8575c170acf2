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
        assert!(store.user_by_token("th2").await.unwrap().is_some());

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
