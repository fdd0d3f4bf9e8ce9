//! The population: institutions, persons, businesses, merchants, their accounts and devices.

use std::net::{IpAddr, Ipv4Addr};

use compact_str::{format_compact, CompactString};
use tonle_core::{
    AccountId, AccountKind, AccountRole, CountryCode, Currency, DeviceId, InstitutionId, Party, PartyId, PhoneNumber,
    Text,
};

use crate::event::NONE;
use crate::fx::Rates;
use crate::region::{Country, CASINOS, COUNTRIES, EXCHANGES, KH};
use crate::rng::{AliasTable, Rng};
use crate::scenario::Scenario;

/// What an institution is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstitutionKind {
    /// A bank.
    Bank,
    /// A mobile-wallet provider.
    Wallet,
    /// A crypto exchange.
    Exchange,
    /// A casino or junket.
    Casino,
}

/// A bank, wallet provider, exchange or casino.
#[derive(Debug, Clone)]
pub struct Institution {
    /// BIC-like id.
    pub id: InstitutionId,
    /// Fictional name.
    pub name: &'static str,
    /// What it is.
    pub kind: InstitutionKind,
    /// Country index.
    pub country: usize,
    /// Its cash desk account (the other side of cash deposits and withdrawals), or [`NONE`].
    pub cash_account: u32,
}

/// An account, with the party fields every transaction touching it carries.
#[derive(Debug, Clone)]
pub struct Account {
    /// The party as written on transactions (account, institution, customer id, name, country, phone).
    pub party: Party,
    /// Who holds it.
    pub kind: AccountKind,
    /// Its currency.
    pub currency: Currency,
    /// Country index.
    pub country: usize,
    /// Institution index.
    pub institution: usize,
    /// The holder's usual device, or [`NONE`].
    pub device: u32,
    /// Opening time (UTC ms; `i64::MIN` when unknown, as for cash desks).
    pub opened: i64,
    /// Its part in a scheme.
    pub role: AccountRole,
    /// Scenario indices it takes part in.
    pub scenarios: Vec<u32>,
    /// Ordinary life leaves it alone from `silent.0` until `silent.1` (UTC ms): a dormant account.
    pub silent: (i64, i64),
    /// Taken by a typology as victim, mule, launderer...: not chosen again.
    pub claimed: bool,
}

impl Account {
    /// Whether ordinary life may use the account at `time`.
    #[inline]
    pub fn active_at(&self, time: i64) -> bool {
        time < self.silent.0 || time >= self.silent.1
    }
}

/// A device and the address it connects from.
#[derive(Debug, Clone)]
pub struct Device {
    /// Its id.
    pub id: DeviceId,
    /// Its usual IP address.
    pub ip: IpAddr,
}

/// A natural person's life parameters.
#[derive(Debug, Clone)]
pub struct Person {
    /// Country index.
    pub country: usize,
    /// Main bank account.
    pub account: u32,
    /// Mobile-wallet account, or [`NONE`].
    pub wallet: u32,
    /// Employer (business index), or [`NONE`].
    pub employer: u32,
    /// Monthly salary in the main account's currency (minor units).
    pub salary: i64,
    /// Landlord's account, or [`NONE`].
    pub landlord: u32,
    /// Monthly rent, minor units of the main account's currency.
    pub rent: i64,
    /// Pays rent within the hour the salary arrives.
    pub rent_on_payday: bool,
    /// Day of the month (1-28) bills are paid.
    pub bill_day: u32,
    /// Family member abroad or at home to send money to each month, or [`NONE`].
    pub family: u32,
    /// Buys crypto now and then.
    pub crypto_user: bool,
    /// First and one-past-last index into the contact list.
    pub contacts: (u32, u32),
}

/// A business's parameters.
#[derive(Debug, Clone)]
pub struct Business {
    /// Country index.
    pub country: usize,
    /// Its account.
    pub account: u32,
    /// Person indices of its employees.
    pub employees: Vec<u32>,
    /// Day of the month it pays salaries (the last working day when 0).
    pub payday: u32,
    /// Local hour it starts the payroll run.
    pub payroll_hour: u32,
}

/// Everyone and every account.
pub struct Population {
    /// Institutions.
    pub institutions: Vec<Institution>,
    /// Accounts (indices are stable: events refer to them).
    pub accounts: Vec<Account>,
    /// Devices.
    pub devices: Vec<Device>,
    /// Persons.
    pub persons: Vec<Person>,
    /// Businesses.
    pub businesses: Vec<Business>,
    /// Contact lists (account indices of friends), sliced by [`Person::contacts`].
    pub contacts: Vec<u32>,
    /// Per country: merchant accounts, and a table choosing among them by popularity.
    pub merchants: Vec<(Vec<u32>, Option<AliasTable>)>,
    /// Per country: utility accounts (electricity, telephone).
    pub utilities: Vec<[u32; 2]>,
    /// Online shops (cross-border card payments).
    pub online_shops: Vec<u32>,
    /// Per country: persons, and a table choosing among them by how active they are.
    pub people: Vec<(Vec<u32>, Option<AliasTable>)>,
    /// Per country: a table choosing businesses by size (for B2B payments).
    pub firms: Vec<(Vec<u32>, Option<AliasTable>)>,
    /// Exchanges: per exchange, its fiat account per currency (currency, account) and its Tron hot wallet.
    pub exchanges: Vec<(Vec<(Currency, u32)>, u32)>,
    /// Casino accounts (USD, Cambodia).
    pub casinos: Vec<u32>,
    /// Persons who buy and sell crypto now and then.
    pub crypto_users: Vec<u32>,
    next_serial: u64,
}

const MS_PER_DAY: i64 = 86_400_000;

impl Population {
    /// Builds the population of a scenario.
    pub fn build(scenario: &Scenario, rates: &Rates, rng: &mut Rng, start_ms: i64) -> Population {
        let mut pop = Population {
            institutions: Vec::new(),
            accounts: Vec::new(),
            devices: Vec::new(),
            persons: Vec::new(),
            businesses: Vec::new(),
            contacts: Vec::new(),
            merchants: Vec::new(),
            utilities: Vec::new(),
            online_shops: Vec::new(),
            people: vec![(Vec::new(), None); COUNTRIES.len()],
            firms: vec![(Vec::new(), None); COUNTRIES.len()],
            exchanges: Vec::new(),
            casinos: Vec::new(),
            crypto_users: Vec::new(),
            next_serial: 0,
        };
        pop.add_institutions();
        let p = &scenario.population;
        let weights: Vec<f64> = COUNTRIES.iter().map(|c| p.countries.get(c.code).copied().unwrap_or(0.0)).collect();
        let split = |total: u32| -> Vec<u32> {
            let sum: f64 = weights.iter().sum();
            let mut counts: Vec<u32> = weights.iter().map(|w| (total as f64 * w / sum) as u32).collect();
            let assigned: u32 = counts.iter().sum();
            // Rounding leftovers go to Cambodia, the scenario's centre.
            counts[KH] += total - assigned;
            counts
        };

        // Businesses first: persons need employers.
        let mut business_sizes = Vec::new();
        for (country, count) in split(p.businesses).into_iter().enumerate() {
            for _ in 0..count {
                let account = pop.add_business_account(rng, country, AccountKind::Business, start_ms);
                // Cambodia, Thailand and Vietnam pay on the month's last working day; the others on the 25th.
                let payday = if country <= crate::region::VN { 0 } else { 25 };
                let index = pop.businesses.len() as u32;
                pop.businesses.push(Business {
                    country,
                    account,
                    employees: Vec::new(),
                    payday,
                    payroll_hour: rng.between(7, 11) as u32,
                });
                pop.firms[country].0.push(index);
                business_sizes.push(rng.pareto(1.0, 1.2));
            }
        }
        for country in 0..COUNTRIES.len() {
            let firms = &pop.firms[country].0;
            if !firms.is_empty() {
                let sizes: Vec<f64> = firms.iter().map(|b| business_sizes[*b as usize]).collect();
                pop.firms[country].1 = Some(AliasTable::new(&sizes));
            }
        }
        for (country, count) in split(p.merchants).into_iter().enumerate() {
            let mut accounts = Vec::new();
            let mut popularity = Vec::new();
            for _ in 0..count.max(1) {
                accounts.push(pop.add_business_account(rng, country, AccountKind::Merchant, start_ms));
                popularity.push(rng.pareto(1.0, 1.1));
            }
            let table = AliasTable::new(&popularity);
            pop.merchants.push((accounts, Some(table)));
            let electricity = pop.add_business_account(rng, country, AccountKind::Business, start_ms);
            let telephone = pop.add_business_account(rng, country, AccountKind::Business, start_ms);
            let word = COUNTRIES[country].business_words[0];
            pop.accounts[electricity as usize].party.name = Some(text(&format_compact!("{word} Electric Power")));
            pop.accounts[telephone as usize].party.name = Some(text(&format_compact!("{word} Telecom")));
            pop.utilities.push([electricity, telephone]);
        }
        for country in [crate::region::SG, crate::region::CN, crate::region::SG] {
            let shop = pop.add_business_account(rng, country, AccountKind::Merchant, start_ms);
            pop.online_shops.push(shop);
        }
        pop.add_exchanges_and_casinos(rng, start_ms);

        // Persons.
        let counts = split(p.persons);
        let mut activity = Vec::with_capacity(p.persons as usize);
        for (country, count) in counts.iter().enumerate() {
            for _ in 0..*count {
                let hosts_migrants = matches!(country, crate::region::TH | crate::region::MY | crate::region::SG);
                let home = if hosts_migrants && rng.chance(p.migrant_share) {
                    // A migrant worker: named as at home, sends money home.
                    if rng.chance(0.6) {
                        KH
                    } else {
                        crate::region::VN
                    }
                } else {
                    country
                };
                let person = pop.add_person(rng, country, home, scenario, rates, start_ms);
                pop.people[country].0.push(person);
                activity.push(rng.pareto(1.0, p.activity_tail).min(60.0));
            }
        }
        let mut offset = 0;
        for country in 0..COUNTRIES.len() {
            let n = pop.people[country].0.len();
            if n > 0 {
                pop.people[country].1 = Some(AliasTable::new(&activity[offset..offset + n]));
            }
            offset += n;
        }
        pop.link_people(rng, scenario, rates);
        pop.crypto_users = (0..pop.persons.len() as u32).filter(|p| pop.persons[*p as usize].crypto_user).collect();
        pop
    }

    fn add_institutions(&mut self) {
        for (country, profile) in COUNTRIES.iter().enumerate() {
            for (name, id) in profile.banks {
                self.add_institution(name, id, InstitutionKind::Bank, country);
            }
            for (name, id) in profile.wallets {
                self.add_institution(name, id, InstitutionKind::Wallet, country);
            }
        }
        for (name, id) in EXCHANGES {
            self.add_institution(name, id, InstitutionKind::Exchange, crate::region::SG);
        }
        for (name, id) in CASINOS {
            self.add_institution(name, id, InstitutionKind::Casino, KH);
        }
    }

    fn add_institution(&mut self, name: &'static str, id: &str, kind: InstitutionKind, country: usize) {
        // The ids in region.rs are non-empty literals.
        let id = InstitutionId::new(id).expect("institution id");
        let index = self.institutions.len();
        self.institutions.push(Institution { id: id.clone(), name, kind, country, cash_account: NONE });
        if matches!(kind, InstitutionKind::Bank | InstitutionKind::Wallet) {
            let account = self.push_account(Account {
                party: Party {
                    name: Some(text(&format_compact!("{name} cash"))),
                    country: Some(country_code(country)),
                    ..Party::at(account_id(format_compact!("CASH-{}", id.as_str())), Some(id))
                },
                kind: AccountKind::Cash,
                currency: COUNTRIES[country].currency,
                country,
                institution: index,
                device: NONE,
                opened: i64::MIN,
                role: AccountRole::Normal,
                scenarios: Vec::new(),
                silent: (0, 0),
                claimed: true,
            });
            self.institutions[index].cash_account = account;
        }
    }

    fn push_account(&mut self, account: Account) -> u32 {
        self.accounts.push(account);
        (self.accounts.len() - 1) as u32
    }

    /// Banks of a country (institution indices).
    pub fn banks(&self, country: usize) -> impl Iterator<Item = usize> + '_ {
        self.institutions
            .iter()
            .enumerate()
            .filter(move |(_, i)| i.country == country && i.kind == InstitutionKind::Bank)
            .map(|(index, _)| index)
    }

    fn pick_institution(&self, rng: &mut Rng, country: usize, kind: InstitutionKind) -> usize {
        let candidates: Vec<usize> = self
            .institutions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.country == country && i.kind == kind)
            .map(|(index, _)| index)
            .collect();
        // Every country has banks and wallet providers (region tests check it).
        *rng.pick(&candidates)
    }

    /// A new account number: country, institution and a serial, unique in the simulation.
    fn account_number(&mut self, institution: usize) -> AccountId {
        self.next_serial += 1;
        let inst = &self.institutions[institution];
        account_id(format_compact!("{}{:03}{:09}", COUNTRIES[inst.country].code, institution, self.next_serial))
    }

    /// A new device in a country.
    pub fn add_device(&mut self, rng: &mut Rng, country: usize) -> u32 {
        let bits = rng.u64();
        let id = DeviceId::new(format_compact!("dev-{:012x}", bits & 0xffff_ffff_ffff)).expect("device id");
        let octets = rng.u64();
        let ip = IpAddr::V4(Ipv4Addr::new(
            COUNTRIES[country].ip_first_octet,
            (octets >> 8) as u8,
            (octets >> 16) as u8,
            ((octets >> 24) as u8).max(1),
        ));
        self.devices.push(Device { id, ip });
        (self.devices.len() - 1) as u32
    }

    /// A phone number in a country.
    pub fn phone(rng: &mut Rng, country: usize) -> PhoneNumber {
        let profile = &COUNTRIES[country];
        let low = 10u64.pow(profile.phone_digits - 1);
        let number = low + rng.below(9 * low);
        // A prefix and digits always make a valid phone number.
        PhoneNumber::new(&format!("{}{}", profile.phone_prefix, number)).expect("phone number")
    }

    fn business_name(rng: &mut Rng, country: usize, kind: AccountKind) -> CompactString {
        let profile = &COUNTRIES[country];
        let word = rng.pick(profile.business_words);
        let trade = match kind {
            AccountKind::Merchant => {
                *rng.pick(&["Mart", "Cafe", "Restaurant", "Pharmacy", "Mobile Shop", "Bakery", "Minimart"])
            }
            _ => {
                *rng.pick(&["Trading", "Garment", "Logistics", "Construction", "Import Export", "Agro", "Electronics"])
            }
        };
        let form = match country {
            KH | crate::region::TH | crate::region::VN | crate::region::CN => "Co., Ltd.",
            _ => "Sdn. Bhd.",
        };
        let form = if country == crate::region::SG { "Pte. Ltd." } else { form };
        format_compact!("{word} {trade} {form}")
    }

    fn person_name(rng: &mut Rng, home: usize) -> CompactString {
        let profile: &Country = &COUNTRIES[home];
        if rng.chance(profile.native_share) {
            let name: &&'static str = rng.pick(profile.native_names);
            return CompactString::const_new(name);
        }
        let family = rng.pick(profile.family_names);
        let given = rng.pick(profile.given_names);
        if profile.family_first {
            format_compact!("{} {}", family.to_uppercase(), given)
        } else {
            format_compact!("{} {}", given, family.to_uppercase())
        }
    }

    fn account_currency(rng: &mut Rng, country: usize) -> Currency {
        let profile = &COUNTRIES[country];
        if rng.chance(profile.usd_share) {
            Currency::USD
        } else {
            profile.currency
        }
    }

    fn add_business_account(&mut self, rng: &mut Rng, country: usize, kind: AccountKind, start_ms: i64) -> u32 {
        let institution = self.pick_institution(rng, country, InstitutionKind::Bank);
        let name = Self::business_name(rng, country, kind);
        let currency = Self::account_currency(rng, country);
        let serial = self.next_serial + 1;
        let id = self.account_number(institution);
        let device = self.add_device(rng, country);
        let opened = start_ms - rng.between(60, 5000) * MS_PER_DAY;
        self.push_account(Account {
            party: Party {
                institution: Some(self.institutions[institution].id.clone()),
                party: Some(party_id(format_compact!("B{serial:09}"))),
                name: Some(text(&name)),
                country: Some(country_code(country)),
                phone: Some(Self::phone(rng, country)),
                account: id,
            },
            kind,
            currency,
            country,
            institution,
            device,
            opened,
            role: AccountRole::Normal,
            scenarios: Vec::new(),
            silent: (0, 0),
            claimed: false,
        })
    }

    fn add_exchanges_and_casinos(&mut self, rng: &mut Rng, start_ms: i64) {
        let exchange_institutions: Vec<usize> = self
            .institutions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.kind == InstitutionKind::Exchange)
            .map(|(index, _)| index)
            .collect();
        for institution in exchange_institutions {
            let name = self.institutions[institution].name;
            // A fiat account per country currency (and USD), held at a bank of that country.
            let mut fiat = Vec::new();
            for (country, profile) in COUNTRIES.iter().enumerate() {
                for currency in [profile.currency, Currency::USD] {
                    if fiat.iter().any(|(c, _)| *c == currency) {
                        continue;
                    }
                    let bank = self.pick_institution(rng, country, InstitutionKind::Bank);
                    let id = self.account_number(bank);
                    let account = self.push_account(Account {
                        party: Party {
                            institution: Some(self.institutions[bank].id.clone()),
                            name: Some(text(name)),
                            country: Some(country_code(self.institutions[institution].country)),
                            ..Party::account(id)
                        },
                        kind: AccountKind::Exchange,
                        currency,
                        country,
                        institution: bank,
                        device: NONE,
                        opened: start_ms - 900 * MS_PER_DAY,
                        role: AccountRole::Normal,
                        scenarios: Vec::new(),
                        silent: (0, 0),
                        claimed: true,
                    });
                    fiat.push((currency, account));
                }
            }
            let hot = self.add_wallet(rng, institution, AccountKind::Exchange, start_ms - 900 * MS_PER_DAY);
            self.accounts[hot as usize].party.name = Some(text(name));
            self.exchanges.push((fiat, hot));
        }
        let casino_institutions: Vec<usize> = self
            .institutions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.kind == InstitutionKind::Casino)
            .map(|(index, _)| index)
            .collect();
        for institution in casino_institutions {
            let bank = self.pick_institution(rng, KH, InstitutionKind::Bank);
            let id = self.account_number(bank);
            let account = self.push_account(Account {
                party: Party {
                    institution: Some(self.institutions[bank].id.clone()),
                    name: Some(text(self.institutions[institution].name)),
                    country: Some(country_code(KH)),
                    ..Party::account(id)
                },
                kind: AccountKind::Casino,
                currency: Currency::USD,
                country: KH,
                institution: bank,
                device: NONE,
                opened: start_ms - 1500 * MS_PER_DAY,
                role: AccountRole::Normal,
                scenarios: Vec::new(),
                silent: (0, 0),
                claimed: true,
            });
            self.casinos.push(account);
        }
    }

    /// A new Tron address (USDT TRC-20) held at `institution` (an exchange) or self-hosted.
    pub fn add_wallet(&mut self, rng: &mut Rng, institution: usize, kind: AccountKind, opened: i64) -> u32 {
        let mut payload = [0u8; 21];
        payload[0] = 0x41; // Tron mainnet address prefix.
        for chunk in payload[1..].chunks_mut(8) {
            let bits = rng.u64().to_le_bytes();
            chunk.copy_from_slice(&bits[..chunk.len()]);
        }
        let address = bs58::encode(payload).with_check().into_string();
        let institution_id =
            if kind == AccountKind::Exchange { Some(self.institutions[institution].id.clone()) } else { None };
        self.push_account(Account {
            party: Party::at(account_id(CompactString::from(address)), institution_id),
            kind,
            currency: Currency::USDT,
            country: self.institutions[institution].country,
            institution,
            device: NONE,
            opened,
            role: AccountRole::Normal,
            scenarios: Vec::new(),
            silent: (0, 0),
            claimed: true,
        })
    }

    fn add_person(
        &mut self,
        rng: &mut Rng,
        country: usize,
        home: usize,
        scenario: &Scenario,
        rates: &Rates,
        start_ms: i64,
    ) -> u32 {
        let p = &scenario.population;
        let name = text(&Self::person_name(rng, home));
        let phone = Self::phone(rng, country);
        let device = self.add_device(rng, country);
        let index = self.persons.len() as u32;
        let party = party_id(format_compact!("C{index:09}"));
        let opened = start_ms - rng.between(30, 4000) * MS_PER_DAY;
        let bank = self.pick_institution(rng, country, InstitutionKind::Bank);
        let currency = Self::account_currency(rng, country);
        let id = self.account_number(bank);
        let make = |id: AccountId, institution: &Institution| Party {
            account: id,
            institution: Some(institution.id.clone()),
            party: Some(party.clone()),
            name: Some(name.clone()),
            country: Some(country_code(country)),
            phone: Some(phone.clone()),
        };
        let account = self.push_account(Account {
            party: make(id, &self.institutions[bank]),
            kind: AccountKind::Person,
            currency,
            country,
            institution: bank,
            device,
            opened,
            role: AccountRole::Normal,
            scenarios: Vec::new(),
            silent: (0, 0),
            claimed: false,
        });
        let wallet = if rng.chance(p.wallet_share) {
            let provider = self.pick_institution(rng, country, InstitutionKind::Wallet);
            let id = self.account_number(provider);
            self.push_account(Account {
                party: make(id, &self.institutions[provider]),
                kind: AccountKind::Person,
                currency: COUNTRIES[country].currency,
                country,
                institution: provider,
                device,
                opened: opened + rng.between(0, 300) * MS_PER_DAY,
                role: AccountRole::Normal,
                scenarios: Vec::new(),
                silent: (0, 0),
                claimed: true,
            })
        } else {
            NONE
        };
        let salary_usd = rng.lognormal(COUNTRIES[country].salary_usd, 0.45);
        let unit = if currency == Currency::USD { 100 } else { crate::fx::round_unit(currency) / 10 };
        self.persons.push(Person {
            country,
            account,
            wallet,
            employer: NONE,
            salary: rates.from_usd(salary_usd, currency, unit.max(1)),
            landlord: NONE,
            rent: 0,
            rent_on_payday: false,
            bill_day: rng.between(1, 28) as u32,
            family: if home != country { home as u32 } else { NONE },
            crypto_user: rng.chance(p.crypto_share),
            contacts: (0, 0),
        });
        index
    }

    /// Employers, landlords, family and friends.
    fn link_people(&mut self, rng: &mut Rng, scenario: &Scenario, rates: &Rates) {
        let p = &scenario.population;
        let count = self.persons.len();
        for index in 0..count {
            let country = self.persons[index].country;
            let account = self.persons[index].account;
            let currency = self.accounts[account as usize].currency;
            // Employment: most persons work for a business of their country.
            if rng.chance(0.8) {
                if let Some(table) = &self.firms[country].1 {
                    let business = self.firms[country].0[table.sample(rng)];
                    self.persons[index].employer = business;
                    self.businesses[business as usize].employees.push(index as u32);
                }
            }
            // Family at home for migrants: a person of the home country.
            if self.persons[index].family != NONE {
                let home = self.persons[index].family as usize;
                let people = &self.people[home].0;
                self.persons[index].family =
                    if people.is_empty() { NONE } else { self.persons[*rng.pick(people) as usize].account };
            }
            // Renters pay a landlord of their country.
            if rng.chance(p.renter_share) {
                let people = &self.people[country].0;
                let landlord = self.persons[*rng.pick(people) as usize].account;
                if landlord != account {
                    let rent_usd = rng.lognormal(COUNTRIES[country].salary_usd * 0.3, 0.3);
                    self.persons[index].landlord = landlord;
                    self.persons[index].rent = rates.from_usd(rent_usd, currency, crate::fx::round_unit(currency));
                    self.persons[index].rent_on_payday = rng.chance(scenario.hard_negatives.salary_to_rent_share);
                }
            }
        }
        // Friends: a heavy-tailed number of contacts, mostly in one's own country, chosen by activity so that
        // popular people have many (preferential attachment).
        for index in 0..count {
            let country = self.persons[index].country;
            let degree = rng.pareto(1.0, 1.6).min(60.0) as u32;
            let start = self.contacts.len() as u32;
            for _ in 0..degree {
                let other_country = if rng.chance(0.9) { country } else { rng.index(COUNTRIES.len()) };
                if let (people, Some(table)) = (&self.people[other_country].0, &self.people[other_country].1) {
                    let friend = people[table.sample(rng)];
                    if friend as usize != index {
                        self.contacts.push(self.persons[friend as usize].account);
                    }
                }
            }
            self.persons[index].contacts = (start, self.contacts.len() as u32);
        }
    }

    /// A new account at a bank of `country` for a person who exists only in a scheme (a mule opened for it).
    pub fn add_scheme_account(
        &mut self,
        rng: &mut Rng,
        country: usize,
        institution: Option<usize>,
        opened: i64,
        device: u32,
        phone: Option<PhoneNumber>,
    ) -> u32 {
        let institution = institution.unwrap_or_else(|| self.pick_institution(rng, country, InstitutionKind::Bank));
        let name = text(&Self::person_name(rng, country));
        let id = self.account_number(institution);
        let serial = self.next_serial;
        let currency = Self::account_currency(rng, country);
        self.push_account(Account {
            party: Party {
                institution: Some(self.institutions[institution].id.clone()),
                party: Some(party_id(format_compact!("M{serial:09}"))),
                name: Some(name),
                country: Some(country_code(country)),
                phone,
                account: id,
            },
            kind: AccountKind::Person,
            currency,
            country,
            institution,
            device,
            opened,
            role: AccountRole::Mule,
            scenarios: Vec::new(),
            silent: (0, 0),
            claimed: true,
        })
    }

    /// A bank of a country, at random.
    pub fn random_bank(&self, rng: &mut Rng, country: usize) -> usize {
        self.pick_institution(rng, country, InstitutionKind::Bank)
    }

    /// An exchange's fiat account for a currency (USD when it has none in that currency).
    pub fn exchange_account(&self, exchange: usize, currency: Currency) -> u32 {
        let (fiat, _) = &self.exchanges[exchange];
        fiat.iter()
            .find(|(c, _)| *c == currency)
            .or_else(|| fiat.iter().find(|(c, _)| *c == Currency::USD))
            .map(|(_, a)| *a)
            // Every exchange has a USD account (add_exchanges_and_casinos).
            .expect("exchange USD account")
    }
}

fn text(value: &str) -> Text {
    // Names built here are never empty.
    Text::new(interned(value)).expect("non-empty text")
}

/// A name as a `CompactString` that clones without allocating: short names are stored inline, longer ones
/// refer to one shared copy. Every name the simulator builds comes from the finite lists in
/// [`crate::region`] (a few thousand combinations at most), so the shared copies are few and live for the
/// whole program; they are made once per distinct name, whatever the number of simulations.
fn interned(value: &str) -> CompactString {
    use std::collections::BTreeSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
    if value.len() <= 24 {
        return CompactString::from(value);
    }
    let names = NAMES.get_or_init(|| Mutex::new(BTreeSet::new()));
    // A poisoned lock only means another thread panicked while inserting; the set is still valid.
    let mut names = names.lock().unwrap_or_else(|e| e.into_inner());
    let name: &'static str = match names.get(value) {
        Some(name) => name,
        None => {
            let leaked: &'static str = Box::leak(value.to_owned().into_boxed_str());
            names.insert(leaked);
            leaked
        }
    };
    CompactString::const_new(name)
}

fn account_id(value: CompactString) -> AccountId {
    // Account numbers built here are never empty.
    AccountId::new(value).expect("non-empty account id")
}

fn party_id(value: CompactString) -> PartyId {
    // Party ids built here are never empty.
    PartyId::new(value).expect("non-empty party id")
}

/// The country code of a country index.
pub fn country_code(country: usize) -> CountryCode {
    // The region's codes are valid ISO 3166 alpha-2 codes.
    CountryCode::new(COUNTRIES[country].code).expect("country code")
}
