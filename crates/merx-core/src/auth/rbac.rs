//! Role-based access control. A permission is a resource and an action (`webhooks:write`); a role
//! is a fixed set of permissions. Built-in roles cover the usual shop staff.

use std::fmt;

/// Reading or changing a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Write,
}

/// A resource and an action, e.g. `orders:write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permission {
    pub resource: &'static str,
    pub action: Action,
}

impl Permission {
    pub const fn read(resource: &'static str) -> Self {
        Self {
            resource,
            action: Action::Read,
        }
    }
    pub const fn write(resource: &'static str) -> Self {
        Self {
            resource,
            action: Action::Write,
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let action = match self.action {
            Action::Read => "read",
            Action::Write => "write",
        };
        write!(f, "{}:{action}", self.resource)
    }
}

/// Resource groups used by the built-in roles.
const CATALOG: &[&str] = &[
    "products",
    "categories",
    "collections",
    "prices",
    "price_lists",
    "inventory",
    "stock_locations",
    "sales_channels",
    "regions",
    "tax",
];
const MERCHANDISING: &[&str] = &[
    "spots",
    "curations",
    "feeds",
    "experiments",
    "signals",
    "ranking",
    "promotions",
];
const SUPPORT: &[&str] = &["orders", "customers", "returns", "fulfillments", "payments"];
/// Resources only owners and admins touch.
const PLATFORM: &[&str] = &[
    "webhooks",
    "events",
    "api_keys",
    "users",
    "store",
    "workflows",
];

/// The built-in roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything, including users and roles.
    Owner,
    /// Everything but managing owners.
    Admin,
    /// Catalog read, merchandising write.
    Merchandiser,
    /// Orders and customers.
    Support,
    /// A marketplace vendor's staff, scoped to their vendor.
    Vendor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Admin,
        Role::Merchandiser,
        Role::Support,
        Role::Vendor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Merchandiser => "merchandiser",
            Role::Support => "support",
            Role::Vendor => "vendor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role grants `p`.
    pub fn permits(self, p: Permission) -> bool {
        let r = p.resource;
        // Everyone may read their own profile.
        if r == "profile" && p.action == Action::Read {
            return true;
        }
        match self {
            Role::Owner => true,
            Role::Admin => true,
            Role::Merchandiser => {
                MERCHANDISING.contains(&r) || (CATALOG.contains(&r) && p.action == Action::Read)
            }
            Role::Support => {
                SUPPORT.contains(&r)
                    || ((CATALOG.contains(&r) || MERCHANDISING.contains(&r))
                        && p.action == Action::Read)
            }
            Role::Vendor => {
                !PLATFORM.contains(&r) && (r == "products" || r == "orders" || r == "inventory")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_roles_grant_what_they_say() {
        let w = Permission::write("webhooks");
        assert!(Role::Owner.permits(w));
        assert!(Role::Admin.permits(w));
        assert!(!Role::Merchandiser.permits(w));
        assert!(!Role::Support.permits(w));
        assert!(!Role::Vendor.permits(w));
        assert!(Role::Merchandiser.permits(Permission::write("spots")));
        assert!(Role::Merchandiser.permits(Permission::read("products")));
        assert!(!Role::Merchandiser.permits(Permission::write("products")));
        assert!(Role::Support.permits(Permission::write("orders")));
        assert!(!Role::Support.permits(Permission::read("webhooks")));
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Permission::write("orders").to_string(), "orders:write");
    }
}
