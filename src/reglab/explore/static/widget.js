// reglab explore as a notebook widget (anywidget): the page itself (explore.js, the same as the server's and the
// saved page's) runs in an iframe; this module carries its requests to the kernel and the kernel's answers back,
// tells the kernel which model the sliders show, and hands it controls set from Python.
export default {
  render({model, el}) {
    const frame = document.createElement("iframe");
    frame.style.cssText = "width: 100%; height: 900px; border: 1px solid #ddd;";
    frame.title = "reglab explore";
    frame.srcdoc = model.get("_page");
    el.appendChild(frame);
    const toPage = (message) => frame.contentWindow && frame.contentWindow.postMessage(message, "*");
    const fromPage = (event) => {
      const message = event.data;
      if (event.source !== frame.contentWindow || !message || !message.reglab) return;
      if (message.reglab === "view") {
        model.set("view", message.view);
        model.save_changes();
      } else {
        model.send(message);  // controls (the table), train
      }
    };
    window.addEventListener("message", fromPage);
    const fromKernel = (message) => toPage(message);
    const controls = () => toPage({reglab: "apply", controls: model.get("controls")});
    model.on("msg:custom", fromKernel);
    model.on("change:controls", controls);
    return () => {
      window.removeEventListener("message", fromPage);
      model.off("msg:custom", fromKernel);
      model.off("change:controls", controls);
    };
  },
};
