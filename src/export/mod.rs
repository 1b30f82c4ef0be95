//! `tend export`: writes the config in the form another supervisor reads.
