// Who writes to the demo mailboxes: customers of Contoso in several countries, colleagues, a supplier, a
// newsletter and the IT department. Every domain is a reserved `.example` one (RFC 2606).

export interface Person {
  readonly name: string;
  readonly address: string;
  /** The sender's zone offset in minutes, as their Date header shows it. */
  readonly zone: number;
  /** The Message-ID domain of the sender's mail system. */
  readonly host: string;
}

const person = (name: string, address: string, zone: number): Person => ({
  name,
  address,
  zone,
  host: `mail.${address.split('@')[1]}`,
});

export const CAST = {
  nestor: person('Nestor Wilke', 'nestor@tailspintoys.example', -300),
  patti: person('Patti Fernandez', 'patti@alpineskihouse.example', -420),
  isaiah: person('Isaiah Langer', 'isaiah@woodgrovebank.example', 0),
  kari: person('Kari Nordmann', 'kari@fjord-design.example', 60),
  juergen: person('Jürgen Müller', 'juergen.mueller@beispiel-gmbh.example', 60),
  yamada: person('山田 太郎', 'taro.yamada@sakura-shoji.example', 540),
  diego: person('Diego Siciliani', 'diego@contoso.example', 60),
  lee: person('Lee Gu', 'lee@contoso.example', 60),
  it: person('Contoso IT', 'it-noreply@contoso.example', 60),
  webform: person('Contoso website', 'webform@contoso.example', 60),
  reports: person('Contoso Reports', 'reports@contoso.example', 60),
  news: person('Northwind Traders Weekly', 'news@northwindtraders.example', -300),
  billing: person('Litware Billing', 'billing@litware.example', 0),
  shipping: person('Tailspin Logistics', 'tracking@tailspin-logistics.example', 0),
} as const;
