//! Medusa's `fields` query parameter: which columns and relations a response carries.
//! `fields=a,b` replaces the route's defaults; `+a` adds, `-a` removes (with its sub-paths),
//! `*rel` (or `rel.*`) selects a relation's columns, `a.b.c` reaches into relations. `id` is always
//! there. Unknown fields are a 400 naming them.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::ApiError;

/// What an entity offers: the columns `*relation` selects, the ones only named selection gets,
/// and its relations.
pub struct Entity {
    pub scalars: &'static [&'static str],
    pub extra: &'static [&'static str],
    pub relations: &'static [(&'static str, &'static Entity)],
}

impl Entity {
    fn relation(&self, name: &str) -> Option<&'static Entity> {
        self.relations
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, e)| *e)
    }
    fn scalar(&self, name: &str) -> Option<&'static str> {
        self.scalars
            .iter()
            .chain(self.extra.iter())
            .find(|s| **s == name)
            .copied()
    }
    fn relation_name(&self, name: &str) -> Option<&'static str> {
        self.relations
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, _)| *n)
    }
}

/// A selection of fields on one entity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    pub scalars: BTreeSet<&'static str>,
    pub relations: BTreeMap<&'static str, Selection>,
}

impl Selection {
    pub fn has(&self, field: &str) -> bool {
        self.scalars.contains(field)
    }
    pub fn rel(&self, name: &str) -> Option<&Selection> {
        self.relations.get(name)
    }
    /// Every default column of `entity`.
    pub fn all(entity: &Entity) -> Selection {
        Selection {
            scalars: entity.scalars.iter().copied().collect(),
            relations: BTreeMap::new(),
        }
    }
    /// Every default column, plus the listed relations with theirs.
    pub fn with(mut self, name: &'static str, sel: Selection) -> Selection {
        self.relations.insert(name, sel);
        self
    }

    fn add(&mut self, entity: &'static Entity, path: &[&str], star: bool) -> bool {
        let Some((head, rest)) = path.split_first() else {
            return false;
        };
        if rest.is_empty() {
            if let (false, Some(s)) = (star, entity.scalar(head)) {
                self.scalars.insert(s);
                return true;
            }
            if let (Some(name), Some(target)) = (entity.relation_name(head), entity.relation(head))
            {
                let rel = self.relations.entry(name).or_default();
                rel.scalars.extend(target.scalars.iter().copied());
                return true;
            }
            return false;
        }
        match (entity.relation_name(head), entity.relation(head)) {
            (Some(name), Some(target)) => {
                let rel = self.relations.entry(name).or_default();
                if target.scalar("id").is_some() {
                    rel.scalars.insert("id");
                }
                rel.add(target, rest, star)
            }
            _ => false,
        }
    }

    fn remove(&mut self, entity: &'static Entity, path: &[&str]) -> bool {
        let Some((head, rest)) = path.split_first() else {
            return false;
        };
        if rest.is_empty() {
            let known = entity.scalar(head).is_some() || entity.relation(head).is_some();
            self.scalars.remove(*head);
            self.relations.remove(*head);
            return known;
        }
        match entity.relation(head) {
            Some(target) => match self.relations.get_mut(*head) {
                Some(rel) => rel.remove(target, rest),
                None => target.scalar(rest[0]).is_some() || target.relation(rest[0]).is_some(),
            },
            None => false,
        }
    }
}

/// Applies a `fields` parameter to a route's defaults.
pub fn select(
    entity: &'static Entity,
    defaults: &Selection,
    fields: Option<&str>,
) -> Result<Selection, ApiError> {
    let entries: Vec<&str> = fields
        .unwrap_or_default()
        .split(',')
        .filter(|e| !e.trim().is_empty())
        .collect();
    if entries.is_empty() {
        return Ok(defaults.clone());
    }
    // A URL's `+` arrives as a space.
    let replaces = entries
        .iter()
        .any(|e| !(e.starts_with(['+', '-', '*', ' '])));
    let mut sel = if replaces {
        Selection::default()
    } else {
        defaults.clone()
    };
    let mut invalid = Vec::new();
    for raw in &entries {
        let entry = raw.trim_start();
        let had_space = raw.starts_with(' ');
        let (mode, path) = match entry.chars().next() {
            Some('-') => ('-', &entry[1..]),
            Some('+') => ('+', &entry[1..]),
            Some('*') => ('*', &entry[1..]),
            _ => (if had_space { '+' } else { '=' }, entry),
        };
        let (star, path) = match path.strip_suffix(".*") {
            Some(p) => (true, p),
            None => (mode == '*', path),
        };
        let parts: Vec<&str> = path.trim().split('.').collect();
        let ok = !parts.iter().any(|p| p.is_empty())
            && match mode {
                '-' => sel.remove(entity, &parts),
                _ => sel.add(entity, &parts, star),
            };
        if !ok {
            invalid.push(entry.to_string());
        }
    }
    if !invalid.is_empty() {
        return Err(ApiError::invalid(format!(
            "Requested fields [{}] are not valid",
            invalid.join(", ")
        )));
    }
    sel.scalars.insert("id");
    Ok(sel)
}

#[cfg(test)]
mod tests {
    use super::*;

    static CHILD: Entity = Entity {
        scalars: &["id", "name"],
        extra: &["secret"],
        relations: &[],
    };
    static PARENT: Entity = Entity {
        scalars: &["id", "title", "handle"],
        extra: &["status"],
        relations: &[("children", &CHILD)],
    };

    fn defaults() -> Selection {
        Selection::all(&PARENT).with("children", Selection::all(&CHILD))
    }

    #[test]
    fn defaults_plus_minus_and_replacement() {
        assert_eq!(select(&PARENT, &defaults(), None).unwrap(), defaults());
        let s = select(&PARENT, &defaults(), Some("+status,-children")).unwrap();
        assert!(s.has("status") && s.rel("children").is_none());
        let s = select(&PARENT, &defaults(), Some(" status")).unwrap();
        assert!(
            s.has("status") && s.has("title"),
            "a URL-decoded + is a space"
        );
        let s = select(&PARENT, &defaults(), Some("title,children.name")).unwrap();
        assert_eq!(
            s.scalars.iter().copied().collect::<Vec<_>>(),
            ["id", "title"]
        );
        assert_eq!(
            s.rel("children")
                .unwrap()
                .scalars
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            ["id", "name"]
        );
        let s = select(&PARENT, &Selection::all(&PARENT), Some("*children")).unwrap();
        assert!(s.rel("children").unwrap().has("name"));
        assert!(!s.rel("children").unwrap().has("secret"));
        let s = select(&PARENT, &Selection::all(&PARENT), Some("+children.*")).unwrap();
        assert!(s.rel("children").unwrap().has("name"));
    }

    #[test]
    fn unknown_fields_are_named() {
        let e = select(&PARENT, &defaults(), Some("+nope,children.bad,title")).unwrap_err();
        assert_eq!(
            e.message,
            "Requested fields [+nope, children.bad] are not valid"
        );
        assert!(select(&PARENT, &defaults(), Some("+title..x")).is_err());
    }
}
