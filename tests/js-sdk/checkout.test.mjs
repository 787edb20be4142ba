// End-to-end checkout through the official @medusajs/js-sdk against a running Merx.
// Usage: see README.md. Needs MERX_URL and MERX_PUBLISHABLE_KEY.
import { test } from "node:test";
import assert from "node:assert/strict";
import Medusa from "@medusajs/js-sdk";

const { MERX_URL, MERX_PUBLISHABLE_KEY } = process.env;
const missing = ["MERX_URL", "MERX_PUBLISHABLE_KEY"].filter((k) => !process.env[k]);
if (missing.length > 0) {
  throw new Error(
    `checkout.test.mjs: missing environment variable(s) ${missing.join(", ")}. ` +
      "Start `cargo run -- serve --demo --addr 127.0.0.1:9000`, then run " +
      "MERX_URL=http://127.0.0.1:9000 MERX_PUBLISHABLE_KEY=pk_... npm test",
  );
}

// In Node there is no localStorage: the SDK's default would then be "nostore",
// which silently drops the JWT after login. Keep it in memory instead.
const newSdk = () =>
  new Medusa({
    baseUrl: MERX_URL,
    publishableKey: MERX_PUBLISHABLE_KEY,
    auth: { type: "jwt", jwtTokenStorageMethod: "memory" },
  });

const ADDRESS = {
  first_name: "Grace",
  last_name: "Hopper",
  address_1: "Unter den Linden 1",
  city: "Berlin",
  postal_code: "10117",
  country_code: "de",
  phone: "+49 30 1234567",
};

// Runs the whole storefront checkout with `sdk` and returns the order.
// A guest sends `email` with the addresses; a logged-in customer sends none
// and the cart must take the customer's email.
async function checkout(t, sdk, { email, sendEmail }) {
  const { regions } = await sdk.store.region.list();
  const region = regions.find((r) => r.currency_code === "eur");
  assert.ok(region, `region.list: no region with currency_code "eur" in ${JSON.stringify(regions)}`);

  const { products } = await sdk.store.product.list({
    region_id: region.id,
    limit: 5,
    fields: "*variants.calculated_price,+variants.inventory_quantity",
  });
  let variant;
  for (const p of products) {
    variant = p.variants?.find(
      (v) =>
        typeof v.calculated_price?.calculated_amount === "number" &&
        v.calculated_price.calculated_amount > 0 &&
        (v.manage_inventory === false || v.inventory_quantity > 0),
    );
    if (variant) break;
  }
  assert.ok(variant, "product.list: no variant with a calculated_price > 0 that is in stock (or not inventory-managed)");
  const price = variant.calculated_price.calculated_amount;

  let { cart } = await sdk.store.cart.create({ region_id: region.id });
  assert.match(cart?.id ?? "", /^cart_/, "cart.create: response has no cart with a cart_ id");
  assert.equal(cart.region_id, region.id, "cart.create: cart.region_id");

  ({ cart } = await sdk.store.cart.createLineItem(cart.id, { variant_id: variant.id, quantity: 2 }));
  assert.equal(cart.items?.length, 1, "cart.createLineItem: cart should have exactly 1 item");
  const [item] = cart.items;
  assert.equal(item.variant_id, variant.id, "cart.createLineItem: item.variant_id");
  assert.equal(item.quantity, 2, "cart.createLineItem: item.quantity");
  assert.equal(item.unit_price, price, "cart.createLineItem: item.unit_price should equal the variant's calculated_amount");
  assert.ok(cart.total > 0, `cart.createLineItem: cart.total should be > 0, got ${cart.total}`);

  const update = { shipping_address: ADDRESS, billing_address: ADDRESS };
  if (sendEmail) update.email = email;
  ({ cart } = await sdk.store.cart.update(cart.id, update));
  assert.equal(cart.email, email, "cart.update: cart.email");
  assert.equal(cart.shipping_address?.country_code, "de", "cart.update: shipping_address.country_code");
  assert.equal(cart.billing_address?.postal_code, ADDRESS.postal_code, "cart.update: billing_address.postal_code");

  const { shipping_options } = await sdk.store.fulfillment.listCartOptions({ cart_id: cart.id });
  assert.ok(shipping_options?.length > 0, "fulfillment.listCartOptions: expected at least one shipping option");
  const option = shipping_options[0];

  ({ cart } = await sdk.store.cart.addShippingMethod(cart.id, { option_id: option.id }));
  assert.equal(cart.shipping_methods?.length, 1, "cart.addShippingMethod: cart should have exactly 1 shipping method");
  assert.ok(
    cart.shipping_total > 0 || cart.shipping_total === option.amount,
    `cart.addShippingMethod: shipping_total should be > 0 or the option amount (${option.amount}), got ${cart.shipping_total}`,
  );

  const { payment_providers } = await sdk.store.payment.listPaymentProviders({ region_id: region.id });
  assert.ok(
    payment_providers?.some((p) => p.id === "pp_system_default"),
    `payment.listPaymentProviders: "pp_system_default" missing from ${JSON.stringify(payment_providers)}`,
  );

  const { payment_collection } = await sdk.store.payment.initiatePaymentSession(cart, { provider_id: "pp_system_default" });
  assert.ok(payment_collection?.id, "payment.initiatePaymentSession: response has no payment_collection");
  assert.ok(
    payment_collection.payment_sessions?.some((s) => s.provider_id === "pp_system_default"),
    "payment.initiatePaymentSession: payment_collection.payment_sessions has no pp_system_default session",
  );

  ({ cart } = await sdk.store.cart.retrieve(cart.id));
  assert.equal(cart.payment_collection?.id, payment_collection.id, "cart.retrieve: cart.payment_collection.id");
  const totalBefore = cart.total;

  const result = await sdk.store.cart.complete(cart.id);
  assert.equal(result.type, "order", `cart.complete: expected type "order", got ${JSON.stringify(result)}`);
  const { order } = result;
  assert.match(order.id, /^order_/, "cart.complete: order.id should start with order_");
  assert.equal(order.total, totalBefore, "cart.complete: order.total should equal the cart total before completion");
  assert.equal(order.items?.length, 1, "cart.complete: order should have 1 item");
  assert.equal(order.email, email, "cart.complete: order.email");

  const { order: fetched } = await sdk.store.order.retrieve(order.id);
  assert.equal(fetched.id, order.id, "order.retrieve: id");
  assert.equal(fetched.total, order.total, "order.retrieve: total");

  // Completing the same cart again must not create a second order.
  try {
    const again = await sdk.store.cart.complete(cart.id);
    assert.equal(again.type, "order", `cart.complete (again): expected type "order" or a 4xx, got ${JSON.stringify(again)}`);
    assert.equal(again.order?.id, order.id, "cart.complete (again): must return the same order, not a new one");
    t.diagnostic("second cart.complete: returned the same order");
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(
      err.status >= 400 && err.status < 500,
      `cart.complete (again): expected the same order or a 4xx, got ${err.status ?? ""} ${err.message}`,
    );
    t.diagnostic(`second cart.complete: rejected with ${err.status}`);
  }

  return order;
}

test("guest storefront checkout", { timeout: 60_000 }, async (t) => {
  await checkout(t, newSdk(), { email: "guest@example.com", sendEmail: true });
});

test("logged-in customer checkout", { timeout: 60_000 }, async (t) => {
  const sdk = newSdk();
  const email = `customer-${Date.now()}@example.com`;
  const password = "supersecret-123";

  const regToken = await sdk.auth.register("customer", "emailpass", { email, password });
  assert.equal(typeof regToken, "string", "auth.register: expected a registration token");

  const { customer: created } = await sdk.store.customer.create({ email, first_name: "Ada", last_name: "Lovelace" });
  assert.equal(created?.email, email, "store.customer.create: customer.email");

  const loginToken = await sdk.auth.login("customer", "emailpass", { email, password });
  assert.equal(typeof loginToken, "string", `auth.login: expected a token string, got ${JSON.stringify(loginToken)}`);

  const { customer } = await sdk.store.customer.retrieve();
  assert.equal(customer?.email, email, "store.customer.retrieve: customer.email");
  assert.equal(customer.id, created.id, "store.customer.retrieve: customer.id");

  const order = await checkout(t, sdk, { email, sendEmail: false });

  const { orders } = await sdk.store.order.list();
  assert.ok(orders?.some((o) => o.id === order.id), `store.order.list: new order ${order.id} missing`);
});
