//! What a person may do in their organization. Decided here, once, for the store (which enforces
//! it on every request) and the app (which shows only what the person may do).

use serde::{Deserialize, Serialize};

/// What a person may do in their organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Sees accounts and activity; changes nothing.
    Viewer,
    /// Links, tests, renews, renames and disconnects accounts; invites admins and viewers.
    Admin,
    /// Everything, including members and their roles.
    Owner,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Viewer];

    /// The role that may do the least (a safe default for a copy that does not say).
    pub fn least() -> Role {
        Role::Viewer
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Viewer => "Viewer",
        }
    }

    /// One line on what the role may do, for the invitation form and the members list.
    pub fn summary(self) -> &'static str {
        match self {
            Role::Owner => "Everything, including members and their roles.",
            Role::Admin => "Links, tests, renews, renames and disconnects accounts; invites admins and viewers.",
            Role::Viewer => "Sees accounts and activity; cannot change anything.",
        }
    }

    /// Link, test, renew, rename and disconnect accounts.
    pub fn changes_accounts(self) -> bool {
        self >= Role::Admin
    }

    /// Invite someone to be `role`: an owner invites anyone, an admin only admins and viewers.
    pub fn may_invite(self, role: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => role != Role::Owner,
            Role::Viewer => false,
        }
    }

    /// Make a one-time link that sets a new password for a member of `role` (the same people one
    /// may invite: an admin never takes over an owner's sign-in).
    pub fn may_make_reset_link(self, role: Role) -> bool {
        self.may_invite(role)
    }

    /// Change roles and remove members.
    pub fn manages_members(self) -> bool {
        self == Role::Owner
    }

    /// The store's 403 for a person who may not do `what` (e.g. "change accounts").
    pub fn refusal(self, what: &str) -> String {
        let may = match self {
            Role::Viewer => "As a viewer you can see accounts and activity, but not change them.",
            Role::Admin => "As an admin you can change accounts and invite admins and viewers.",
            Role::Owner => "",
        };
        format!("You cannot {what}. {may} Ask an owner of your organization if you need more.")
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page's loader writes a role's label before the app is here (src/loader/start.js,
    /// `drawHome`): its name as sent, with a capital first letter.
    #[test]
    fn a_roles_label_is_its_name_as_sent_capitalised() {
        for r in Role::ALL {
            let sent = serde_json::to_value(r).expect("a role serialises");
            let sent = sent.as_str().expect("as a string");
            let mut chars = sent.chars();
            let capitalised: String = chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars).collect();
            assert_eq!(r.label(), capitalised);
        }
    }

    #[test]
    fn each_role_may_do_what_the_issue_says() {
        assert!(Role::Owner.changes_accounts() && Role::Admin.changes_accounts() && !Role::Viewer.changes_accounts());
        assert!(Role::Owner.may_invite(Role::Owner) && Role::Owner.may_invite(Role::Viewer));
        assert!(
            Role::Admin.may_invite(Role::Admin) && Role::Admin.may_invite(Role::Viewer) && !Role::Admin.may_invite(Role::Owner)
        );
        assert!(Role::ALL.iter().all(|r| !Role::Viewer.may_invite(*r)));
        assert!(Role::Owner.manages_members() && !Role::Admin.manages_members() && !Role::Viewer.manages_members());
    }

    #[test]
    fn roles_read_and_write_as_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{}\"", r.as_str()));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
